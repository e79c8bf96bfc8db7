/**
 * Prometheus text exposition format 0.0.4, as client_golang's promhttp writes it for a scrape without content
 * negotiation: one `# HELP` and one `# TYPE` line per family, families sorted by name, label pairs sorted by label
 * name (client_golang's MakeLabelPairs), series sorted by those label values, values in Go's shortest `%g` form.
 */

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8; escaping=underscores';

export type MetricType = 'counter' | 'gauge';

export interface Sample {
  /** One value per label name of the family, in the same order. */
  readonly labels: readonly string[];
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly labelNames: readonly string[];
  readonly samples: readonly Sample[];
}

/** strconv.FormatFloat(v, 'g', -1, 64), as expfmt writes values: exponent form when exp < -4 or exp >= 6. */
export function formatGoFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  // JavaScript and Go both pick the shortest digits that read back as the same double.
  const [mantissa = '', exponentText = '0'] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const abs = Math.abs(exponent);
    return `${mantissa}e${exponent < 0 ? '-' : '+'}${abs < 10 ? `0${abs}` : abs}`;
  }
  const sign = value < 0 ? '-' : '';
  const digits = mantissa.replace(/^-/, '').replace('.', '');
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  const fraction = digits.slice(exponent + 1);
  return fraction ? `${sign}${whole}.${fraction}` : `${sign}${whole}`;
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function compareLabels(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as string;
    const y = b[i] as string;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** The body of a `/metrics` response. Families without samples are left out, as promhttp does. */
export function renderExposition(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  const sorted = families.filter((f) => f.samples.length > 0).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const family of sorted) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    const order = family.labelNames
      .map((_, i) => i)
      .sort((a, b) => {
        const x = family.labelNames[a] as string;
        const y = family.labelNames[b] as string;
        return x < y ? -1 : x > y ? 1 : 0;
      });
    const rows = family.samples.map((sample) => ({
      values: order.map((i) => sample.labels[i] ?? ''),
      value: sample.value,
    }));
    for (const row of rows.sort((a, b) => compareLabels(a.values, b.values))) {
      const pairs = order.map(
        (i, k) => `${family.labelNames[i]}="${escapeLabelValue(row.values[k] as string)}"`,
      );
      const labels = pairs.length > 0 ? `{${pairs.join(',')}}` : '';
      lines.push(`${family.name}${labels} ${formatGoFloat(row.value)}`);
    }
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** A counter vector: series appear when first touched (`WithLabelValues(...).Add(0)` or `.Inc()`). */
export class CounterVec {
  private readonly series = new Map<string, { labels: readonly string[]; value: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}

  add(labels: readonly string[], by = 1): void {
    const key = JSON.stringify(labels);
    const current = this.series.get(key);
    if (current) current.value += by;
    else this.series.set(key, { labels: [...labels], value: by });
  }

  /** Makes the series exist with its current value (0 when new). */
  touch(labels: readonly string[]): void {
    this.add(labels, 0);
  }

  value(labels: readonly string[]): number {
    return this.series.get(JSON.stringify(labels))?.value ?? 0;
  }

  family(): MetricFamily {
    return {
      name: this.name,
      help: this.help,
      type: 'counter',
      labelNames: this.labelNames,
      samples: [...this.series.values()],
    };
  }
}
