// The testbed of one VRRP integration test file (testbeds.md §A): directors on a bridge, built
// before the file's tests and torn down after them, the daemons it started stopped first.
import { after, before } from 'node:test';
import { createTestbed, type Testbed, type TestbedNodeSpec } from './netns.js';
import { scratchDir, type RunningNode } from './vrrp-nodes.js';

/** d1 (MASTER in the seed setup) and d2, as testbeds.md §A addresses them. */
export const D1: TestbedNodeSpec = { name: 'd1', ipv4: '192.168.0.48/24' };
export const D2: TestbedNodeSpec = { name: 'd2', ipv4: '192.168.0.58/24' };

export interface FileTestbed {
  /** The namespaces; set once the file's `before` hook has run. */
  readonly bed: Testbed;
  /** Where the file's configs go. */
  readonly files: ReturnType<typeof scratchDir>;
  /** Daemons to stop (SIGTERM, then SIGKILL) before the teardown: push each one started. */
  readonly nodes: RunningNode[];
}

/** Registers the hooks; with `skip` set (the file's tests cannot run) nothing is created. */
export function testbedForFile(
  area: string,
  specs: TestbedNodeSpec[],
  skip: string | undefined,
): FileTestbed {
  let bed: Testbed | undefined;
  let files: ReturnType<typeof scratchDir> | undefined;
  const nodes: RunningNode[] = [];
  before(() => {
    if (skip) return;
    bed = createTestbed(area, specs);
    files = scratchDir(area);
  });
  after(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    bed?.teardown();
    files?.cleanup();
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error(`testbed ${area} used before its before() hook ran`);
    return value;
  };
  return {
    get bed() {
      return ready(bed);
    },
    get files() {
      return ready(files);
    },
    nodes,
  };
}
