// `keepalived-ts plan`: what applying a configuration would change in a kernel's IPVS table, as
// printable lines. Pure: the caller reads the table (KernelBackend or DryRunBackend) and prints.
import type { KeepalivedConfig } from '../config/model.js';
import { desiredTable, type DesiredState } from './desired.js';
import { describeOp, diff, serviceId, type DiffOptions } from './reconcile.js';
import type { IpvsTable } from './types.js';

export interface PlanOptions extends DiffOptions {
  /** Checker verdicts and quorum states; absent = every real server in its start state. */
  state?: DesiredState;
}

/**
 * One line per operation ("add service tcp 10.0.0.1:80 (scheduler wrr)"), then a summary line.
 * Services in the kernel that the configuration does not name are counted, never changed.
 */
export function planLines(
  config: KeepalivedConfig,
  kernel: IpvsTable,
  opts: PlanOptions = {},
): string[] {
  const desired = desiredTable(config, opts.state);
  const ops = diff(desired, kernel, opts);
  const ours = new Set([...desired.map((e) => serviceId(e.service.key)), ...(opts.owned ?? [])]);
  const foreign = kernel.filter((e) => !ours.has(serviceId(e.service.key))).length;
  const summary =
    ops.length === 0
      ? 'IPVS table matches the configuration: no changes'
      : `${ops.length} change${ops.length === 1 ? '' : 's'}`;
  const untouched =
    foreign > 0 ? `; ${foreign} service(s) not in the configuration left untouched` : '';
  return [...ops.map(describeOp), `${summary}${untouched}`];
}
