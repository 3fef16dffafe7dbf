// The health-check state of a whole plan: checker results in, verdict changes and the actions
// keepalived takes for them out (log lines, notify scripts, quorum changes). No I/O and no clock:
// runner.ts feeds it results and carries the actions out, tests feed it results directly.

import type {
  CheckPlan,
  CheckerPlan,
  ProbeResult,
  RealServerPlan,
  ScriptPlan,
  VirtualServerPlan,
} from './plan.js';
import { planCheckers } from './plan.js';
import {
  initialCheckerState,
  realServerState,
  stepChecker,
  type CheckerState,
  type RealServerState,
} from './verdict.js';
import {
  initialQuorumUp,
  liveWeight,
  nextQuorumUp,
  quorumThreshold,
  sorryActive,
} from './quorum.js';

export interface RealServerVerdict extends RealServerState {
  /** "10.0.0.2:80" */
  realServer: string;
  address: string;
  port: number;
  family: 4 | 6;
  inhibitOnFailure: boolean;
}

/** What the IPVS side needs about one virtual server. */
export interface VirtualServerVerdict {
  /** "tcp 10.0.0.1:80", "fwmark 1" */
  virtualServer: string;
  quorumUp: boolean;
  /** The sorry server replaces the pool (quorum lost and one is configured). */
  sorryActive: boolean;
  realServers: RealServerVerdict[];
}

export type CheckAction =
  | {
      type: 'checker';
      virtualServer: string;
      realServer: string;
      checker: string;
      up: boolean;
      reason: string;
    }
  | {
      type: 'realServer';
      virtualServer: string;
      realServer: string;
      alive: boolean;
      weight: number;
      /** inhibit_on_failure: down means weight 0 in the table, not out of it. */
      inhibitOnFailure: boolean;
    }
  | {
      type: 'weight';
      virtualServer: string;
      realServer: string;
      from: number;
      to: number;
      /** Which kind of dynamic checker moved it (only those do). */
      cause: 'misc_dynamic' | 'file_check';
    }
  | {
      type: 'quorum';
      virtualServer: string;
      up: boolean;
      liveWeight: number;
      threshold: number;
      /** Computed when the plan starts rather than changed by a check. */
      atStart: boolean;
    }
  | {
      type: 'notify';
      virtualServer: string;
      realServer?: string;
      /** Which keyword the command came from. */
      keyword: 'notify_up' | 'notify_down' | 'quorum_up' | 'quorum_down';
      script: ScriptPlan;
    };

/** Checker states by checker id, to carry state over a restart of the checker side. */
export type CheckerStates = Record<number, CheckerState>;

interface Located {
  checker: CheckerPlan;
  rs: RealServerPlan;
  vs: VirtualServerPlan;
  vsIndex: number;
  rsIndex: number;
}

export class CheckEngine {
  readonly plan: CheckPlan;
  private readonly located: Located[] = [];
  private readonly states: CheckerState[] = [];
  /** Per VS, per RS: the last real-server state reported. */
  private readonly rsStates: RealServerState[][];
  private readonly quorumUp: boolean[];

  /** `resume`: checker states from a previous run of the same plan (restart after a crash). */
  constructor(plan: CheckPlan, resume?: CheckerStates) {
    this.plan = plan;
    plan.virtualServers.forEach((vs, vsIndex) =>
      vs.realServers.forEach((rs, rsIndex) =>
        rs.checkers.forEach((checker) => {
          this.located[checker.id] = { checker, rs, vs, vsIndex, rsIndex };
        }),
      ),
    );
    for (const c of planCheckers(plan)) {
      this.states[c.id] = resume?.[c.id] ?? initialCheckerState(c.timing);
    }
    this.rsStates = plan.virtualServers.map((vs) => vs.realServers.map((rs) => this.computeRs(rs)));
    this.quorumUp = plan.virtualServers.map((vs, i) =>
      initialQuorumUp(liveWeight(this.rsStates[i]!), vs),
    );
  }

  /**
   * Actions due when checking starts: keepalived reports a quorum that starts down (and swaps the
   * sorry server in) when a sorry server is configured.
   */
  startActions(): CheckAction[] {
    const actions: CheckAction[] = [];
    this.plan.virtualServers.forEach((vs, i) => {
      if (this.quorumUp[i] || !vs.sorryServer) return;
      actions.push({
        type: 'quorum',
        virtualServer: vs.name,
        up: false,
        liveWeight: liveWeight(this.rsStates[i]!),
        threshold: quorumThreshold(false, vs),
        atStart: true,
      });
      if (vs.quorumDown) actions.push(notify(vs, undefined, 'quorum_down', vs.quorumDown));
    });
    return actions;
  }

  /** A checker's plan with the real and virtual server it belongs to. */
  where(id: number): { checker: CheckerPlan; rs: RealServerPlan; vs: VirtualServerPlan } {
    const { checker, rs, vs } = this.locate(id);
    return { checker, rs, vs };
  }

  /** Applies one probe result; returns when to run that checker next and what changed. */
  apply(id: number, result: ProbeResult): { delayMs: number; actions: CheckAction[] } {
    const { checker, rs, vs, vsIndex, rsIndex } = this.locate(id);
    const step = stepChecker(this.states[id]!, checker.timing, result.ok, result.weight, rs.weight);
    this.states[id] = step.state;
    const actions: CheckAction[] = [];
    if (step.transition) {
      actions.push({
        type: 'checker',
        virtualServer: vs.name,
        realServer: rs.name,
        checker: checker.name,
        up: step.transition === 'up',
        reason: result.reason,
      });
    }
    if (step.confirmedDown && rs.notifyDown) {
      actions.push(notify(vs, rs, 'notify_down', rs.notifyDown));
    }
    const cause = checker.probe.type === 'FILE_CHECK' ? 'file_check' : 'misc_dynamic';
    this.updateRealServer(vsIndex, rsIndex, cause, actions);
    return { delayMs: step.delayMs, actions };
  }

  /** Current verdicts of every virtual server. */
  verdicts(): VirtualServerVerdict[] {
    return this.plan.virtualServers.map((_, i) => this.verdict(i));
  }

  verdict(vsIndex: number): VirtualServerVerdict {
    const vs = this.plan.virtualServers[vsIndex]!;
    const up = this.quorumUp[vsIndex]!;
    return {
      virtualServer: vs.name,
      quorumUp: up,
      sorryActive: sorryActive(up, vs.sorryServer !== undefined),
      realServers: vs.realServers.map((rs, j) => ({
        realServer: rs.name,
        address: rs.address,
        port: rs.port,
        family: rs.family,
        inhibitOnFailure: rs.inhibitOnFailure,
        ...this.rsStates[vsIndex]![j]!,
      })),
    };
  }

  checkerState(id: number): CheckerState {
    this.locate(id);
    return this.states[id]!;
  }

  /** Every checker's state, to seed a restarted checker side (see the constructor). */
  checkerStates(): CheckerStates {
    return Object.fromEntries(this.states.map((s, id) => [id, s]));
  }

  private computeRs(rs: RealServerPlan): RealServerState {
    return realServerState(
      rs.weight,
      rs.checkers.map((c) => this.states[c.id]!),
    );
  }

  /** `cause`: what moved the weight if it moved (only misc_dynamic and FILE_CHECK offsets do). */
  private updateRealServer(
    vsIndex: number,
    rsIndex: number,
    cause: 'misc_dynamic' | 'file_check',
    actions: CheckAction[],
  ): void {
    const vs = this.plan.virtualServers[vsIndex]!;
    const rs = vs.realServers[rsIndex]!;
    const before = this.rsStates[vsIndex]![rsIndex]!;
    const after = this.computeRs(rs);
    if (before.alive === after.alive && before.weight === after.weight) return;
    this.rsStates[vsIndex]![rsIndex] = after;
    if (before.weight !== after.weight) {
      actions.push({
        type: 'weight',
        virtualServer: vs.name,
        realServer: rs.name,
        from: before.weight,
        to: after.weight,
        cause,
      });
    }
    if (before.alive !== after.alive) {
      actions.push({
        type: 'realServer',
        virtualServer: vs.name,
        realServer: rs.name,
        alive: after.alive,
        weight: after.weight,
        inhibitOnFailure: rs.inhibitOnFailure,
      });
      const script = after.alive ? rs.notifyUp : rs.notifyDown;
      if (script) actions.push(notify(vs, rs, after.alive ? 'notify_up' : 'notify_down', script));
    }
    this.updateQuorum(vsIndex, actions);
  }

  private updateQuorum(vsIndex: number, actions: CheckAction[]): void {
    const vs = this.plan.virtualServers[vsIndex]!;
    const was = this.quorumUp[vsIndex]!;
    const live = liveWeight(this.rsStates[vsIndex]!);
    const up = nextQuorumUp(was, live, vs);
    if (up === was) return;
    this.quorumUp[vsIndex] = up;
    actions.push({
      type: 'quorum',
      virtualServer: vs.name,
      up,
      liveWeight: live,
      threshold: quorumThreshold(was, vs),
      atStart: false,
    });
    const script = up ? vs.quorumUp : vs.quorumDown;
    if (script) actions.push(notify(vs, undefined, up ? 'quorum_up' : 'quorum_down', script));
  }

  private locate(id: number): Located {
    const found = this.located[id];
    if (!found) throw new RangeError(`no checker ${id} in this plan`);
    return found;
  }
}

function notify(
  vs: VirtualServerPlan,
  rs: RealServerPlan | undefined,
  keyword: 'notify_up' | 'notify_down' | 'quorum_up' | 'quorum_down',
  script: ScriptPlan,
): CheckAction {
  return { type: 'notify', virtualServer: vs.name, realServer: rs?.name, keyword, script };
}
