/**
 * The generated report: sections of measured rows. Every figure in it is a row's, or is computed
 * from rows and settings of the run that wrote it; a target is judged from the row's own figures.
 */
import { type Summary, summarize } from './stats.js';

/** What a row must meet: ours against the baseline, or ours against a bound. */
export type Target =
  | { kind: 'ratio'; max: number }
  | { kind: 'at-most' | 'below'; max: number; unit: string }
  | { kind: 'extra'; max: number; unit: string }
  | { kind: 'equal' };

export interface Row {
  measure: string;
  ours: Summary;
  baseline?: Summary;
  /** Decimal places; by default from the size of the value. */
  digits?: number;
  /** The median with its range (the default) or the p95 alone. */
  stat?: 'median' | 'p95';
  target?: Target;
  /** The row stands in the summary at the top as well. */
  headline?: boolean;
}

export interface Section {
  title: string;
  /** The two value columns. */
  sides: readonly [string, string];
  /** How it was measured; figures only from the run's settings. */
  about: string;
  rows: Row[];
  tables?: { caption: string; header: string[]; rows: string[][] }[];
  /** Sentences computed from this run's figures. */
  notes?: string[];
}

export interface ReportInfo {
  generatedAt: string;
  durationSeconds: number;
  quick: boolean;
  machine: { cpuModel: string; cores: number; totalMemBytes: number; platform: string };
  versions: Record<string, string>;
  settings: Record<string, unknown>;
  commands: string[];
  workerWarnings: Record<string, number>;
}

/** A row from raw values, each side summarized. */
export function row(measure: string, ours: readonly number[], baseline?: readonly number[], options: Omit<Row, 'measure' | 'ours' | 'baseline'> = {}): Row {
  return { measure, ours: summarize(ours), ...(baseline === undefined ? {} : { baseline: summarize(baseline) }), ...options };
}

export function num(value: number, digits?: number): string {
  if (!Number.isFinite(value)) {
    return 'n/a';
  }
  const places = digits ?? (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2);
  return value.toFixed(places);
}

export function times(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : 'n/a';
}

export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function value(summary: Summary, stat: Row['stat']): number {
  return stat === 'p95' ? summary.p95 : summary.median;
}

function cell(summary: Summary | undefined, r: Row): string {
  if (summary === undefined) {
    return '—';
  }
  const shown = num(value(summary, r.stat), r.digits);
  return r.stat === 'p95' || summary.n === 1 ? shown : `${shown} (${num(summary.min, r.digits)}–${num(summary.max, r.digits)})`;
}

function ratioOf(r: Row): number {
  return r.baseline === undefined ? Number.NaN : value(r.ours, r.stat) / value(r.baseline, r.stat);
}

/** Whether the row meets its target, or undefined when it has none. */
export function met(r: Row): boolean | undefined {
  const t = r.target;
  if (t === undefined) {
    return undefined;
  }
  const ours = value(r.ours, r.stat);
  const baseline = r.baseline === undefined ? Number.NaN : value(r.baseline, r.stat);
  switch (t.kind) {
    case 'ratio':
      return ours / baseline <= t.max;
    case 'at-most':
      return ours <= t.max;
    case 'below':
      return ours < t.max;
    case 'extra':
      return ours - baseline <= t.max;
    case 'equal':
      return ours === baseline;
  }
}

function targetText(t: Target): string {
  switch (t.kind) {
    case 'ratio':
      return `≤ ${t.max.toFixed(2)}×`;
    case 'at-most':
      return `≤ ${t.max}${t.unit}`;
    case 'below':
      return `< ${t.max}${t.unit}`;
    case 'extra':
      return `≤ +${t.max} ${t.unit}`;
    case 'equal':
      return 'equal';
  }
}

function verdict(r: Row): string {
  const ok = met(r);
  if (ok === undefined || r.target === undefined) {
    return '';
  }
  return `**${ok ? 'met' : 'missed'}** (${targetText(r.target)})`;
}

function rowCells(r: Row): string[] {
  return [r.measure, cell(r.ours, r), cell(r.baseline, r), r.baseline === undefined ? '' : times(ratioOf(r)), verdict(r)];
}

/** One section as Markdown. */
export function renderSection(s: Section): string {
  return [
    `## ${s.title}`,
    '',
    s.about,
    '',
    table(['measure', s.sides[0], s.sides[1], 'ratio', 'target'], s.rows.map(rowCells)),
    '',
    ...(s.tables ?? []).flatMap((t) => [t.caption, '', table(t.header, t.rows), '']),
    ...(s.notes ?? []).map((note) => `- ${note}`),
    ...(s.notes?.length ? [''] : []),
  ].join('\n');
}

/** The rows with a target that this run missed, by section. */
export function misses(sections: readonly Section[]): string[] {
  return sections.flatMap((s) =>
    s.rows.filter((r) => met(r) === false).map((r) => `${s.title}, ${r.measure}: ${cell(r.ours, r)} against ${cell(r.baseline, r)}${s.sides[1] === 'against' ? '' : ` (${s.sides[1]})`}, target ${targetText(r.target as Target)}`),
  );
}

function summaryTable(sections: readonly Section[]): string {
  const median = (summary: Summary | undefined, r: Row): string => (summary === undefined ? '—' : num(value(summary, r.stat), r.digits));
  const rows = sections.flatMap((s) =>
    s.rows.filter((r) => r.headline).map((r) => [s.title, r.measure, median(r.ours, r), median(r.baseline, r), r.baseline === undefined ? '' : times(ratioOf(r)), verdict(r)]),
  );
  return table(['benchmark', 'measure', 'ours', 'baseline', 'ratio', 'target'], rows);
}

/** The whole report. */
export function renderReport(info: ReportInfo, sections: readonly Section[]): string {
  const missed = misses(sections);
  const warnings = Object.entries(info.workerWarnings);
  return [
    '# Benchmarks',
    '',
    `Generated ${info.generatedAt} by \`npm run bench\` in ${num(info.durationSeconds, 0)} s${info.quick ? ' with `--quick` (one run each: a wiring check, not a measurement)' : ''}.`,
    'Every figure below was measured by this run. Analyses measured once by hand, with when and how:',
    '[NOTES.md](NOTES.md) and [NOTES-streaming.md](NOTES-streaming.md).',
    '',
    '## Summary',
    '',
    'Medians (a p95 where the measure says so); the baseline is the second column of each section, measured in the',
    'same run. Ratio = ours / baseline. In the sections, a median has its min–max beside it when a side ran more than once.',
    '',
    summaryTable(sections),
    '',
    missed.length === 0 ? 'Every target was met in this run.' : ['Missed in this run:', '', ...missed.map((m) => `- ${m}`)].join('\n'),
    '',
    '## Machine, versions and method',
    '',
    table(
      ['what', 'value'],
      [
        ['CPU', `${info.machine.cpuModel}, ${info.machine.cores} cores`],
        ['memory', `${(info.machine.totalMemBytes / 1024 ** 3).toFixed(1)} GiB`],
        ['platform', info.machine.platform],
        ...Object.entries(info.versions),
        ['worker warnings', warnings.length === 0 ? 'none' : warnings.map(([message, count]) => `"${message}" × ${count}`).join(', ')],
      ],
    ),
    '',
    '```sh',
    ...info.commands,
    '```',
    '',
    'The in-process and import benchmarks run first, in fresh child processes. Then one `temporal server start-dev`',
    '(in memory) and one worker in the bench process serve every Temporal benchmark; each comparison runs both sides',
    'once unmeasured, then alternates which side goes first. Raw per-run numbers are in `bench/results.json`, beside',
    'this report and not kept in git; `npm run bench -- --render` renders this report again from them.',
    '',
    ...sections.map(renderSection),
  ].join('\n');
}
