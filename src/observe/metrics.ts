// Prometheus metrics of the daemon (served by http.ts at GET /metrics). Each daemon owns one
// `Metrics` with its own prom-client registry, so tests and several daemons in one process never
// share counters. The methods are the only way the rest of the code touches a metric: names and
// labels live here and in docs/operations.md, nowhere else.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const PREFIX = 'keepalived_';

/** VRRP states as keepalived names them; the state gauge has one series per state. */
export const VRRP_STATE_NAMES = ['INIT', 'BACKUP', 'MASTER', 'FAULT', 'STOP'] as const;
export type VrrpStateName = (typeof VRRP_STATE_NAMES)[number];

export type CheckResult = 'success' | 'failure';

export class Metrics {
  readonly registry = new Registry();
  private readonly vrrpState: Gauge<'instance' | 'state'>;
  private readonly vrrpPriority: Gauge<'instance'>;
  private readonly vrrpTransitions: Counter<'instance' | 'from' | 'to'>;
  private readonly advertsSent: Counter<'instance'>;
  private readonly advertsReceived: Counter<'instance'>;
  private readonly packetsDropped: Counter<'reason'>;
  private readonly splitBrain: Counter<'instance'>;
  private readonly checks: Counter<'virtual_server' | 'real_server' | 'checker' | 'result'>;
  private readonly checkDuration: Histogram<'checker'>;
  private readonly realServerUp: Gauge<'virtual_server' | 'real_server'>;
  private readonly realServerWeight: Gauge<'virtual_server' | 'real_server'>;
  private readonly quorumUp: Gauge<'virtual_server'>;
  private readonly ipvsOps: Counter<'op'>;
  private readonly ipvsErrors: Counter<'op' | 'code'>;
  private readonly reloads: Counter<'result'>;
  private readonly notifies: Counter<'result'>;
  /** Checker labels seen per "virtual server\0real server", to drop their series with it. */
  private readonly checkersOf = new Map<string, Set<string>>();

  constructor(opts: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.vrrpState = new Gauge({
      name: `${PREFIX}vrrp_state`,
      help: 'VRRP instance state: 1 for the current state, 0 for the others',
      labelNames: ['instance', 'state'],
      registers,
    });
    this.vrrpPriority = new Gauge({
      name: `${PREFIX}vrrp_effective_priority`,
      help: 'Effective VRRP priority (configured priority plus tracker weights)',
      labelNames: ['instance'],
      registers,
    });
    this.vrrpTransitions = new Counter({
      name: `${PREFIX}vrrp_transitions_total`,
      help: 'VRRP state transitions',
      labelNames: ['instance', 'from', 'to'],
      registers,
    });
    this.advertsSent = new Counter({
      name: `${PREFIX}vrrp_adverts_sent_total`,
      help: 'VRRP advertisements sent',
      labelNames: ['instance'],
      registers,
    });
    this.advertsReceived = new Counter({
      name: `${PREFIX}vrrp_adverts_received_total`,
      help: 'Valid VRRP advertisements received',
      labelNames: ['instance'],
      registers,
    });
    this.packetsDropped = new Counter({
      name: `${PREFIX}vrrp_packets_dropped_total`,
      help: 'VRRP packets dropped, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.splitBrain = new Counter({
      name: `${PREFIX}vrrp_split_brain_total`,
      help: 'Adverts from another MASTER heard while MASTER',
      labelNames: ['instance'],
      registers,
    });
    this.checks = new Counter({
      name: `${PREFIX}checks_total`,
      help: 'Health checks run, by result',
      labelNames: ['virtual_server', 'real_server', 'checker', 'result'],
      registers,
    });
    this.checkDuration = new Histogram({
      name: `${PREFIX}check_duration_seconds`,
      help: 'Health check latency',
      labelNames: ['checker'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.realServerUp = new Gauge({
      name: `${PREFIX}real_server_up`,
      help: 'Real server verdict: 1 alive (all checkers up), 0 down',
      labelNames: ['virtual_server', 'real_server'],
      registers,
    });
    this.realServerWeight = new Gauge({
      name: `${PREFIX}real_server_weight`,
      help: 'Weight currently applied to the real server in IPVS',
      labelNames: ['virtual_server', 'real_server'],
      registers,
    });
    this.quorumUp = new Gauge({
      name: `${PREFIX}virtual_server_quorum_up`,
      help: 'Virtual server quorum: 1 reached, 0 lost (sorry server in use)',
      labelNames: ['virtual_server'],
      registers,
    });
    this.ipvsOps = new Counter({
      name: `${PREFIX}ipvs_operations_total`,
      help: 'IPVS operations applied (service.add, dest.edit, ...)',
      labelNames: ['op'],
      registers,
    });
    this.ipvsErrors = new Counter({
      name: `${PREFIX}ipvs_errors_total`,
      help: 'IPVS operations that failed, by error code',
      labelNames: ['op', 'code'],
      registers,
    });
    this.reloads = new Counter({
      name: `${PREFIX}config_reloads_total`,
      help: 'Configuration reloads (SIGHUP), by result',
      labelNames: ['result'],
      registers,
    });
    this.notifies = new Counter({
      name: `${PREFIX}notify_scripts_total`,
      help: 'Notify scripts started, and those that failed (could not start, non-zero exit, timeout)',
      labelNames: ['result'],
      registers,
    });
    // The event-loop lag metric samples with a timer; prom-client's default 10 ms wakes an idle
    // daemon 100 times a second (measured: ~0.7 % of a core). Once a second is enough for a gauge.
    if (opts.processMetrics)
      collectDefaultMetrics({
        register: this.registry,
        prefix: PREFIX,
        eventLoopMonitoringPrecision: 1000,
      });
  }

  /**
   * Prometheus text exposition of every metric, as registry.metrics() renders it, but one metric
   * per turn of the event loop: with 10,000 real servers a whole scrape takes hundreds of ms, and
   * it runs on the VRRP thread.
   */
  async text(): Promise<string> {
    const parts: string[] = [];
    for (const metric of this.registry.getMetricsAsArray()) {
      parts.push(await this.registry.getSingleMetricAsString(metric.name));
      await nextTurn();
    }
    return `${parts.join('\n\n')}\n`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private vrrpStateSet(instance: string, state: VrrpStateName, priority: number): void {
    for (const s of VRRP_STATE_NAMES)
      this.vrrpState.set({ instance, state: s }, s === state ? 1 : 0);
    this.vrrpPriority.set({ instance }, priority);
  }

  vrrpTransition(instance: string, from: VrrpStateName, to: VrrpStateName, priority: number): void {
    this.vrrpTransitions.inc({ instance, from, to });
    this.vrrpStateSet(instance, to, priority);
  }

  vrrpPriorityChanged(instance: string, priority: number): void {
    this.vrrpPriority.set({ instance }, priority);
  }

  advertSent(instance: string, n = 1): void {
    this.advertsSent.inc({ instance }, n);
  }

  advertReceived(instance: string, n = 1): void {
    this.advertsReceived.inc({ instance }, n);
  }

  packetDropped(reason: string, n = 1): void {
    this.packetsDropped.inc({ reason }, n);
  }

  splitBrainSeen(instance: string): void {
    this.splitBrain.inc({ instance });
  }

  /** A removed instance (reload): its series disappear rather than freeze. */
  forgetInstance(instance: string): void {
    for (const state of VRRP_STATE_NAMES) this.vrrpState.remove({ instance, state });
    this.vrrpPriority.remove({ instance });
  }

  checkDone(
    virtualServer: string,
    realServer: string,
    checker: string,
    result: CheckResult,
    seconds: number,
  ): void {
    this.checks.inc({ virtual_server: virtualServer, real_server: realServer, checker, result });
    this.checkDuration.observe({ checker }, seconds);
    const key = `${virtualServer}\0${realServer}`;
    const seen = this.checkersOf.get(key) ?? new Set<string>();
    this.checkersOf.set(key, seen.add(checker));
  }

  realServerState(virtualServer: string, realServer: string, alive: boolean, weight: number): void {
    const labels = { virtual_server: virtualServer, real_server: realServer };
    this.realServerUp.set(labels, alive ? 1 : 0);
    this.realServerWeight.set(labels, weight);
  }

  /** A removed real server (reload): its series disappear rather than freeze. */
  forgetRealServer(virtualServer: string, realServer: string): void {
    const labels = { virtual_server: virtualServer, real_server: realServer };
    this.realServerUp.remove(labels);
    this.realServerWeight.remove(labels);
    const key = `${virtualServer}\0${realServer}`;
    for (const checker of this.checkersOf.get(key) ?? []) {
      for (const result of ['success', 'failure'] as const)
        this.checks.remove({ ...labels, checker, result });
    }
    this.checkersOf.delete(key);
  }

  quorum(virtualServer: string, up: boolean): void {
    this.quorumUp.set({ virtual_server: virtualServer }, up ? 1 : 0);
  }

  forgetVirtualServer(virtualServer: string): void {
    this.quorumUp.remove({ virtual_server: virtualServer });
  }

  ipvsOperation(op: string): void {
    this.ipvsOps.inc({ op });
  }

  ipvsError(op: string, code: string): void {
    this.ipvsErrors.inc({ op, code });
  }

  reload(result: 'loaded' | 'rejected'): void {
    this.reloads.inc({ result });
  }

  notify(result: 'started' | 'failed'): void {
    this.notifies.inc({ result });
  }
}
