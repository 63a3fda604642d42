/** `npx tsx bench/import-cost-alone.ts [processes]`: the import cost of benchmark 3 alone, printed as its report section without touching results.json or REPORT.md. */
import { runImportCost } from './import-cost-runner.js';
import { renderSection } from './report.js';
import { importSection } from './sections.js';

const processes = Number(process.argv[2] ?? (process.env['BENCH_QUICK'] === '1' ? '1' : '7'));

if (!Number.isInteger(processes) || processes < 1) {
  throw new Error('Usage: import-cost-alone.ts [processes]');
}

const run = await runImportCost(processes, (message) => console.error(`[bench] ${message}`));

console.log(renderSection(importSection(run)));
