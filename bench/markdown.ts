/** Cells and tables of the generated reports. */
import type { Summary } from './stats.js';

export function num(value: number, digits?: number): string {
  if (!Number.isFinite(value)) {
    return 'n/a';
  }
  const places = digits ?? (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2);
  return value.toFixed(places);
}

export function spread(summary: Summary, digits?: number): string {
  return `${num(summary.median, digits)} (${num(summary.min, digits)}–${num(summary.max, digits)})`;
}

export function times(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : 'n/a';
}

export function verdict(ratio: number, target: number): string {
  if (!Number.isFinite(ratio)) {
    return 'n/a';
  }
  return ratio <= target ? `**met** (≤ ${target.toFixed(2)})` : `**missed** (> ${target.toFixed(2)})`;
}

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

export function table(header: string[], rows: string[][]): string {
  return [row(header), row(header.map(() => '---')), ...rows.map(row)].join('\n');
}
