// What a case hands back, and how it is printed: plain-text tables for the
// terminal, Markdown tables for docs/performance.md.

export interface Table {
  title: string;
  columns: string[];
  rows: string[][];
  /** Lines printed under the table. */
  notes?: string[];
}

/** One target of the issue, checked against a figure of this run. */
export interface TargetCheck {
  target: string;
  measured: string;
  /** null when it could not be judged (a contender failed, or quick mode). */
  met: boolean | null;
}

export interface CaseResult {
  /** Key in the JSON. */
  name: string;
  title: string;
  tables: Table[];
  targets: TargetCheck[];
  /** Everything measured, for the JSON. */
  data: unknown;
  durationMs?: number;
}

export interface CaseContext {
  quick: boolean;
  log(message: string): void;
}

/** Formats a number for a table: `digits` decimals, thousands separated. */
export function fmt(value: number | undefined | null, digits = 1): string {
  if (value === undefined || value === null || !Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Formats an integer count. */
export const count = (value: number | undefined | null): string => fmt(value, 0);

export function textTable(table: Table): string {
  const widths = table.columns.map((c, i) => Math.max(c.length, ...table.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [table.title, line(table.columns), widths.map((w) => '-'.repeat(w)).join('  '), ...table.rows.map(line)];
  for (const note of table.notes ?? []) out.push(`  ${note}`);
  return out.join('\n');
}

export function markdownTable(table: Table): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const out = [
    `**${table.title}**`,
    '',
    `| ${table.columns.map(esc).join(' | ')} |`,
    `| ${table.columns.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...table.rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ];
  if ((table.notes ?? []).length > 0) out.push('', ...(table.notes ?? []).map((n) => `${n}  `));
  return out.join('\n');
}

export function targetsTable(targets: readonly TargetCheck[]): Table {
  return {
    title: 'Targets',
    columns: ['target', 'measured', 'met'],
    rows: targets.map((t) => [t.target, t.measured, t.met === null ? 'n/a' : t.met ? 'yes' : 'NO']),
  };
}
