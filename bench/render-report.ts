/**
 * Renders bench/REPORT.md again from the bench/results.json that the last `npm run bench` wrote
 * beside it, after a change to the report's wording: the figures stay those of that run.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ReportInfo, renderReport } from './report.js';
import { buildSections, type RawResults } from './sections.js';

const folder = import.meta.dirname;
if (!existsSync(join(folder, 'results.json'))) {
  console.error('bench/results.json is not here (it is not kept in git): run npm run bench first, which writes it and the report.');
  process.exit(1);
}
const { raw, ...info } = JSON.parse(readFileSync(join(folder, 'results.json'), 'utf8')) as ReportInfo & { raw: RawResults };
writeFileSync(join(folder, 'REPORT.md'), renderReport(info, buildSections(raw, info)));
console.log(`bench/REPORT.md rendered from the run of ${info.generatedAt}.`);
