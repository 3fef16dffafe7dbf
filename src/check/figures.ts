// The checker side's figures by name, for /metrics and /status: a plan (names of each checker id)
// over the shared ledger the worker writes. Read on the main thread only when asked for.
import type { CheckSeries, CheckRunCounts, CheckLatencyHistogram } from '../observe/metrics.js';
import type { CheckResultStatus } from '../observe/status.js';
import { CHECK_DURATION_BUCKETS, CheckLedger, createLedgerMemory } from './ledger.js';
import { checkerIdsByKey, locateCheckers, type CheckPlan } from './plan.js';

/** Checker types by id, as the ledger sizes its records and histograms. */
const checkerTypes = (plan: CheckPlan): string[] => locateCheckers(plan).map((p) => p.checkerType);

export class CheckFigures implements CheckSeries {
  /** Checker ids by "virtual server\0real server\0checker name", built at the first lookup. */
  private idsByName: Map<string, number> | undefined;

  /** `plan`'s figures in `ledger` (the worker's view on the supervisor's memory, or its own). */
  constructor(
    readonly plan: CheckPlan,
    readonly ledger: CheckLedger,
  ) {}

  /** A fresh ledger for `plan`, continuing `previous`'s figures for the checkers both have. */
  static create(plan: CheckPlan, previous?: CheckFigures): CheckFigures {
    const ledger = new CheckLedger(createLedgerMemory(checkerTypes(plan)));
    if (previous) {
      const oldIds = checkerIdsByKey(previous.plan);
      const pairs: Array<[number, number]> = [];
      for (const [key, id] of checkerIdsByKey(plan)) {
        const oldId = oldIds.get(key);
        if (oldId !== undefined) pairs.push([oldId, id]);
      }
      ledger.carryFrom(previous.ledger, pairs);
    }
    return new CheckFigures(plan, ledger);
  }

  /** Counts per real server and checker type: two checkers of one type on a real server add up. */
  *runCounts(): Iterable<CheckRunCounts> {
    for (const vs of this.plan.virtualServers) {
      for (const rs of vs.realServers) {
        const byType = new Map<string, CheckRunCounts>();
        for (const c of rs.checkers) {
          const f = this.ledger.checker(c.id);
          const counts = byType.get(c.probe.type);
          if (counts) {
            counts.successes += f.successes;
            counts.failures += f.failures;
          } else {
            byType.set(c.probe.type, {
              virtualServer: vs.name,
              realServer: rs.name,
              checker: c.probe.type,
              successes: f.successes,
              failures: f.failures,
            });
          }
        }
        yield* byType.values();
      }
    }
  }

  *histograms(): Iterable<CheckLatencyHistogram> {
    for (const type of this.ledger.memory.types) {
      const h = this.ledger.histogram(type)!;
      yield { checker: type, bounds: CHECK_DURATION_BUCKETS, ...h };
    }
  }

  /** The last run of a checker named as status names it ("HTTP_GET#2"); absent before its first. */
  lastResult(
    virtualServer: string,
    realServer: string,
    checker: string,
  ): CheckResultStatus | undefined {
    if (!this.idsByName) {
      this.idsByName = new Map(
        locateCheckers(this.plan).map((p, id) => [
          `${p.virtualServer}\0${p.realServer}\0${p.checker}`,
          id,
        ]),
      );
    }
    const id = this.idsByName.get(`${virtualServer}\0${realServer}\0${checker}`);
    const last = id === undefined ? undefined : this.ledger.checker(id).last;
    return (
      last && {
        ok: last.ok,
        reason: last.reason,
        at: new Date(last.atMs).toISOString(),
        latencyMs: last.latencyMs,
      }
    );
  }
}
