// Prometheus metrics of the daemon (served by http.ts at GET /metrics). Each daemon owns one
// `Metrics` with its own prom-client registry, so tests and several daemons in one process never
// share counters. The methods are the only way the rest of the code touches a metric: names and
// labels live here and in docs/operations.md, nowhere else. The per-check series are the
// exception to "updated here": the checker worker counts them itself (src/check/ledger.ts) and
// they are read from it at each scrape (setCheckSeries), so the VRRP thread does nothing per check.
import { setImmediate as nextTurn } from 'node:timers/promises';
import {
  Counter,
  Gauge,
  Registry,
  collectDefaultMetrics,
  type Metric,
  type MetricValue,
} from 'prom-client';

const PREFIX = 'keepalived_';

/**
 * Samples formatted in one turn of the event loop during a scrape: a gauge of 10,000 real servers
 * formatted at once held the VRRP thread for tens of ms; 500 lines take well under a millisecond.
 */
export const SAMPLES_PER_TURN = 500;

/** VRRP states as keepalived names them; the state gauge has one series per state. */
export const VRRP_STATE_NAMES = ['INIT', 'BACKUP', 'MASTER', 'FAULT', 'STOP'] as const;
export type VrrpStateName = (typeof VRRP_STATE_NAMES)[number];

/** One real server's runs of one checker type (the `checker` label of keepalived_checks_total). */
export interface CheckRunCounts {
  virtualServer: string;
  realServer: string;
  checker: string;
  successes: number;
  failures: number;
}

/** Check latencies of one checker type. */
export interface CheckLatencyHistogram {
  checker: string;
  /** Bucket upper bounds in seconds. */
  bounds: readonly number[];
  /** Cumulative counts, one per bound, then +Inf. */
  cumulative: readonly number[];
  sumSeconds: number;
  count: number;
}

/** Where the per-check series come from: the checker side's figures, read when scraped. */
export interface CheckSeries {
  runCounts(): Iterable<CheckRunCounts>;
  histograms(): Iterable<CheckLatencyHistogram>;
  /**
   * Both families already rendered by whoever keeps the figures (the checker worker, off the
   * VRRP thread), or undefined when it cannot: then they are rendered here from the figures.
   */
  renderedText?(): Promise<string | undefined>;
}

/** The per-check families, in registry order (checks_total's text is followed by the histogram's). */
const CHECK_SERIES_METRICS = [`${PREFIX}checks_total`, `${PREFIX}check_duration_seconds`] as const;

function checkRunValues(series: CheckSeries | undefined): Array<MetricValue<string>> {
  const values: Array<MetricValue<string>> = [];
  for (const c of series?.runCounts() ?? []) {
    // A series appears with its checker's first result, as a counter incremented at each run.
    for (const [result, value] of [
      ['success', c.successes],
      ['failure', c.failures],
    ] as const) {
      if (value === 0) continue;
      const labels = {
        virtual_server: c.virtualServer,
        real_server: c.realServer,
        checker: c.checker,
        result,
      };
      values.push({ labels, value });
    }
  }
  return values;
}

/** Histogram samples laid out as prom-client's Histogram lays them out. */
function checkLatencyValues(
  series: CheckSeries | undefined,
): Array<MetricValue<string> & { metricName: string }> {
  const name = CHECK_SERIES_METRICS[1];
  const values: Array<MetricValue<string> & { metricName: string }> = [];
  for (const h of series?.histograms() ?? []) {
    if (h.count === 0) continue;
    const labels = { checker: h.checker };
    h.bounds.forEach((le, i) =>
      values.push({
        labels: { le, ...labels },
        value: h.cumulative[i]!,
        metricName: `${name}_bucket`,
      }),
    );
    values.push(
      { labels: { le: '+Inf', ...labels }, value: h.count, metricName: `${name}_bucket` },
      { labels, value: h.sumSeconds, metricName: `${name}_sum` },
      { labels, value: h.count, metricName: `${name}_count` },
    );
  }
  return values;
}

/**
 * Registers keepalived_checks_total and keepalived_check_duration_seconds in `registry`, their
 * values read from `series()` at each scrape: in the daemon's registry, and in the checker
 * worker's, which renders them there when the main thread asks.
 */
export function registerCheckSeries(
  registry: Registry,
  series: () => CheckSeries | undefined,
): void {
  const [checks, duration] = CHECK_SERIES_METRICS;
  registry.registerMetric(
    computedMetric(checks, 'Health checks run, by result', 'counter', () =>
      checkRunValues(series()),
    ),
  );
  registry.registerMetric(
    computedMetric(duration, 'Health check latency', 'histogram', () =>
      checkLatencyValues(series()),
    ),
  );
}

/** Both per-check families as text() renders them, one after the other, in slices. */
export async function renderCheckSeries(
  registry: Registry,
  samplesPerTurn = SAMPLES_PER_TURN,
): Promise<string> {
  const parts: string[] = [];
  for (const name of CHECK_SERIES_METRICS)
    parts.push(await formatInSlices(registry.getSingleMetric(name)!, samplesPerTurn));
  return parts.join('\n\n');
}

/**
 * One metric as prom-client formats it, a slice of its samples per turn of the event loop: each
 * slice goes through prom-client's own formatter (a scratch registry holding just that slice),
 * and the HELP / TYPE lines of all but the first are dropped.
 */
async function formatInSlices(metric: Metric, samplesPerTurn = SAMPLES_PER_TURN): Promise<string> {
  const data = await metric.get();
  const slice = { ...data, values: [] as typeof data.values };
  const scratch = new Registry();
  scratch.registerMetric({
    name: data.name,
    get: () => Promise.resolve(slice),
  } as unknown as Metric);
  const lines: string[] = [];
  let start = 0;
  do {
    slice.values = data.values.slice(start, start + samplesPerTurn);
    const text = await scratch.getSingleMetricAsString(data.name);
    const sliceLines = text.split('\n');
    lines.push(...(start === 0 ? sliceLines : sliceLines.slice(2)));
    start += samplesPerTurn;
    await nextTurn();
  } while (start < data.values.length);
  return lines.join('\n');
}

/**
 * A metric prom-client renders (text and JSON) whose values are computed at each read: the
 * registry accepts any object with a name and get(), as its own metric classes are.
 */
function computedMetric(
  name: string,
  help: string,
  type: 'counter' | 'histogram',
  values: () => Array<MetricValue<string> & { metricName?: string }>,
): Metric {
  const get = () => Promise.resolve({ name, help, type, aggregator: 'sum', values: values() });
  return { name, help, type, aggregator: 'sum', get } as unknown as Metric;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly vrrpState: Gauge<'instance' | 'state'>;
  private readonly vrrpPriority: Gauge<'instance'>;
  private readonly vrrpTransitions: Counter<'instance' | 'from' | 'to'>;
  private readonly advertsSent: Counter<'instance'>;
  private readonly advertsReceived: Counter<'instance'>;
  private readonly packetsDropped: Counter<'reason'>;
  private readonly splitBrain: Counter<'instance'>;
  /** The checker side's series; none while no checkers run. */
  private checkSeries: CheckSeries | undefined;
  private readonly realServerUp: Gauge<'virtual_server' | 'real_server'>;
  private readonly realServerWeight: Gauge<'virtual_server' | 'real_server'>;
  private readonly quorumUp: Gauge<'virtual_server'>;
  private readonly ipvsOps: Counter<'op'>;
  private readonly ipvsErrors: Counter<'op' | 'code'>;
  private readonly reloads: Counter<'result'>;
  private readonly notifies: Counter<'result'>;

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
    registerCheckSeries(this.registry, () => this.checkSeries);
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
   * Prometheus text exposition of every metric, as registry.metrics() renders it, but formatted
   * SAMPLES_PER_TURN samples per turn of the event loop: with 10,000 real servers a whole scrape
   * takes hundreds of ms, and it runs on the VRRP thread.
   */
  async text(): Promise<string> {
    // The per-check families are the largest (two series per real server): rendered by the
    // checker worker when it can, they cost this thread only the text's arrival.
    const checks = await this.checkSeries?.renderedText?.();
    const parts: string[] = [];
    for (const metric of this.registry.getMetricsAsArray()) {
      if (
        checks !== undefined &&
        (CHECK_SERIES_METRICS as readonly string[]).includes(metric.name)
      ) {
        // Both families arrive as one text, which stands where the first of them stood.
        if (metric.name === CHECK_SERIES_METRICS[0]) parts.push(checks);
        continue;
      }
      parts.push(await formatInSlices(this.registry.getSingleMetric(metric.name)!));
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

  /**
   * Serves keepalived_checks_total and keepalived_check_duration_seconds from `series` (the
   * running checkers' figures), or none (no checkers). Replaced at each reload: real servers the
   * new configuration drops lose their series with it.
   */
  setCheckSeries(series: CheckSeries | undefined): void {
    this.checkSeries = series;
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
