// A strict parser of the Prometheus text exposition format (version 0.0.4), for tests: it throws
// on any line the format does not allow, so a test that parses /metrics also checks its syntax.
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string;
  samples: Sample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})?\\s+(\\S+)(?:\\s+(-?\\d+))?$`);
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/y;

/** Prometheus reads values with Go's ParseFloat: NaN and Inf are case-insensitive. */
function parseValue(text: string): number {
  const lower = text.toLowerCase();
  if (lower === '+inf' || lower === 'inf') return Infinity;
  if (lower === '-inf') return -Infinity;
  if (lower === 'nan') return NaN;
  const v = Number(text);
  if (Number.isNaN(v)) throw new Error(`bad sample value '${text}'`);
  return v;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const m = LABEL.exec(text);
    if (!m) throw new Error(`bad label set '{${text}}'`);
    labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

/** The family a sample belongs to: histogram/summary samples carry _bucket/_sum/_count suffixes. */
function familyOf(families: Map<string, MetricFamily>, sample: string): MetricFamily | undefined {
  if (families.has(sample)) return families.get(sample);
  const base = sample.replace(/_(bucket|sum|count)$/, '');
  const fam = families.get(base);
  return fam && (fam.type === 'histogram' || fam.type === 'summary') ? fam : undefined;
}

export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline');
  for (const [i, line] of text.slice(0, -1).split('\n').entries()) {
    const where = `line ${i + 1}`;
    if (line.trim() === '') continue;
    const meta = new RegExp(`^# (HELP|TYPE) (${NAME}) ?(.*)$`).exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      const fam = families.get(name) ?? { name, type: 'untyped', help: '', samples: [] };
      families.set(name, fam);
      if (kind === 'HELP') fam.help = rest;
      else if (['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) {
        fam.type = rest as MetricFamily['type'];
      } else throw new Error(`${where}: bad TYPE '${rest}'`);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`${where}: not a sample: '${line}'`);
    const fam = familyOf(families, m[1]!);
    if (!fam) throw new Error(`${where}: sample '${m[1]}' has no TYPE line before it`);
    fam.samples.push({ name: m[1]!, labels: parseLabels(m[2] ?? ''), value: parseValue(m[3]!) });
  }
  return families;
}

/** The value of the one sample with exactly these labels (extra labels on the sample count as a mismatch). */
export function sampleValue(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const fam = familyOf(families, name);
  const want = Object.entries(labels);
  const s = fam?.samples.find(
    (x) =>
      x.name === name &&
      Object.keys(x.labels).length === want.length &&
      want.every(([k, v]) => x.labels[k] === v),
  );
  return s?.value;
}
