/**
 * A strict reader of the Prometheus text exposition format (version 0.0.4): every line is a
 * `# HELP`, a `# TYPE` or a sample; anything else throws, naming the line. Samples are keyed
 * `name{label="value",…}` with labels sorted, so tests can look one up.
 */
const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*';
const VALUE = String.raw`(?:[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|[-+]?Inf|NaN)`;
const LABEL_PAIR = String.raw`${LABEL}="(?:[^"\\\n]|\\[\\"n])*"`;
const SAMPLE = new RegExp(
  String.raw`^(${NAME})(?:\{((?:${LABEL_PAIR})(?:,${LABEL_PAIR})*,?)?\})? (${VALUE})(?: (-?\d+))?$`,
);
const HELP = new RegExp(`^# HELP (${NAME}) (.*)$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const PAIR = new RegExp(`(${LABEL})="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"`, 'g');

export interface Exposition {
  /** `name{a="1",b="2"}` (labels sorted) → value. */
  samples: Map<string, number>;
  types: Map<string, string>;
}

export function parsePrometheusText(text: string): Exposition {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const [index, line] of lines.entries()) {
    if (line === '') continue;
    const type = TYPE.exec(line);
    if (type) {
      if (types.has(type[1]!)) throw new Error(`line ${index + 1}: second TYPE for ${type[1]}`);
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (HELP.test(line)) continue;
    const sample = SAMPLE.exec(line);
    if (!sample) throw new Error(`line ${index + 1} is not Prometheus text format: ${line}`);
    const labels = [...(sample[2] ?? '').matchAll(PAIR)].map((m) => `${m[1]}="${m[2]}"`).sort();
    const key = labels.length ? `${sample[1]}{${labels.join(',')}}` : sample[1]!;
    if (samples.has(key)) throw new Error(`line ${index + 1}: duplicate sample ${key}`);
    const raw = sample[3]!;
    samples.set(key, raw.endsWith('Inf') ? (raw.startsWith('-') ? -Infinity : Infinity) : Number(raw));
  }
  return { samples, types };
}

/** The value of `name` with exactly `labels` (0 when the series does not exist yet). */
export function sampleOf(exposition: Exposition, name: string, labels: Record<string, string> = {}): number {
  const pairs = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort();
  return exposition.samples.get(pairs.length ? `${name}{${pairs.join(',')}}` : name) ?? 0;
}
