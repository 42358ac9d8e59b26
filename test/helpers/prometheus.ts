// A strict parser of the Prometheus text exposition format (0.0.4): every
// line is a HELP, a TYPE or a sample of the family announced before it, and a
// histogram's buckets are cumulative up to `+Inf`, which equals its `_count`.
// It throws on anything else, so a test that uses it fails on a malformed line.

export interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string;
  samples: Array<{ name: string; labels: Record<string, string>; value: number }>;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`);
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/;

export function parsePrometheus(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a line feed');
  const families = new Map<string, Family>();
  let current: Family | undefined;
  for (const [i, line] of text.slice(0, -1).split('\n').entries()) {
    const where = `line ${i + 1} ${JSON.stringify(line)}`;
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta !== null) {
      const [, kind, name = '', rest = ''] = meta;
      if (!new RegExp(`^${NAME}$`).test(name)) throw new Error(`${where}: bad metric name`);
      let family = families.get(name);
      if (family === undefined) {
        if (current !== undefined && current.name !== name && families.has(name)) throw new Error(`${where}: family repeated`);
        family = { name, type: 'untyped', help: '', samples: [] };
        families.set(name, family);
      }
      if (kind === 'TYPE') {
        if (!isType(rest)) throw new Error(`${where}: unknown type`);
        if (family.samples.length > 0) throw new Error(`${where}: TYPE after samples`);
        family.type = rest;
      } else family.help = rest;
      current = family;
      continue;
    }
    if (line.startsWith('#') || line === '') throw new Error(`${where}: neither HELP, TYPE nor a sample`);
    const match = SAMPLE.exec(line);
    if (match === null) throw new Error(`${where}: not a sample`);
    const [, name = '', labelText = '', valueText = ''] = match;
    const base = current?.type === 'histogram' ? name.replace(/_(bucket|sum|count)$/, '') : name;
    if (current === undefined || current.name !== base) throw new Error(`${where}: a sample outside its family`);
    const labels: Record<string, string> = {};
    let rest = labelText;
    while (rest !== '') {
      const label = LABEL.exec(rest);
      if (label === null) throw new Error(`${where}: bad labels`);
      labels[label[1]!] = label[2]!.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c));
      rest = rest.slice(label[0].length);
    }
    const value = valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : Number(valueText);
    if (valueText !== 'NaN' && Number.isNaN(value)) throw new Error(`${where}: bad value`);
    if (current.type === 'counter' && !(value >= 0)) throw new Error(`${where}: a counter below 0`);
    current.samples.push({ name, labels, value });
  }
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

const TYPES = ['counter', 'gauge', 'histogram', 'summary', 'untyped'] as const;
function isType(text: string): text is Family['type'] {
  return (TYPES as readonly string[]).includes(text);
}

function checkHistogram(family: Family): void {
  const buckets = family.samples.filter((s) => s.name === `${family.name}_bucket`);
  const count = family.samples.find((s) => s.name === `${family.name}_count`);
  if (buckets.length === 0 || count === undefined || family.samples.every((s) => s.name !== `${family.name}_sum`)) {
    throw new Error(`histogram ${family.name} lacks buckets, _sum or _count`);
  }
  let previous = -Infinity;
  let previousCount = 0;
  for (const bucket of buckets) {
    const le = bucket.labels['le'] === '+Inf' ? Infinity : Number(bucket.labels['le']);
    if (!(le > previous) || bucket.value < previousCount) throw new Error(`histogram ${family.name}: buckets not cumulative at le=${bucket.labels['le']}`);
    previous = le;
    previousCount = bucket.value;
  }
  if (previous !== Infinity || previousCount !== count.value) throw new Error(`histogram ${family.name}: the +Inf bucket must equal _count`);
}

/** The value of the sample `name` whose labels include `labels`. */
export function sample(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const base = name.replace(/_(bucket|sum|count)$/, '');
  const family = families.get(name) ?? families.get(base);
  const found = family?.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (found === undefined) throw new Error(`no sample ${name}${JSON.stringify(labels)}`);
  return found.value;
}
