/** Benchmark 3, import cost: compiles the package once, then imports each entry and `pocketflow` in fresh plain-node child processes, alternating. */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import type { ImportSample } from './import-cost.js';

const run = promisify(execFile);

const ROOT = join(import.meta.dirname, '..');

/** Where the package and the child are compiled, inside the repo so that node finds node_modules upward; removed after each run, since ESLint would lint it. */
export const IMPORT_OUT_DIR = join(import.meta.dirname, '.tmp', 'import-cost');

const CHILD_SOURCE = join(import.meta.dirname, 'import-cost.ts');

const CHILD_JS = join(IMPORT_OUT_DIR, 'bench', 'import-cost.js');

/** The baseline, imported by its package name as users of the npm package do. */
export const IMPORT_BASELINE = 'pocketflow';

/** One public entry of this package, by name, source file (relative to the repo) and what it is for. */
export interface ImportEntry {
  name: string;
  source: string;
  what: string;
}

/** The public entries measured against the baseline; edit this list as the entries move. */
export const IMPORT_ENTRIES: readonly ImportEntry[] = [
  { name: 'core', source: 'src/index.ts', what: 'in-process nodes and flows' },
  { name: 'workflow', source: 'src/workflow.ts', what: 'workflow-safe entry' },
  { name: 'client', source: 'src/client.ts', what: 'Temporal client side' },
  { name: 'worker', source: 'src/worker.ts', what: 'Temporal worker side' },
];

/** Everything one import-cost run measured. */
export interface ImportCostRun {
  baseline: string;
  compileMs: number;
  entries: readonly ImportEntry[];
  samples: ImportSample[];
}

function compiledPath(entry: ImportEntry): string {
  return join(IMPORT_OUT_DIR, entry.source.replace(/\.ts$/, '.js'));
}

async function compilePackage(): Promise<void> {
  const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
  await run(tsc, ['-p', 'tsconfig.build.json', '--outDir', IMPORT_OUT_DIR, '--declaration', 'false', '--sourceMap', 'false', '--inlineSources', 'false'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
}

function compileChild(): void {
  const source = readFileSync(CHILD_SOURCE, 'utf8');
  const output = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    fileName: CHILD_SOURCE,
  });
  mkdirSync(dirname(CHILD_JS), { recursive: true });
  writeFileSync(CHILD_JS, output.outputText);
}

/** Compiles the package with its build config and the child with `transpileModule`, both as ESM under IMPORT_OUT_DIR. */
async function compileForImport(): Promise<number> {
  const start = performance.now();
  rmSync(IMPORT_OUT_DIR, { recursive: true, force: true });
  await compilePackage();
  writeFileSync(join(IMPORT_OUT_DIR, 'package.json'), `${JSON.stringify({ type: 'module', private: true })}\n`);
  compileChild();
  return performance.now() - start;
}

async function child(name: string, specifier: string): Promise<ImportSample> {
  const { stdout } = await run(process.execPath, ['--expose-gc', CHILD_JS, name, specifier], { cwd: ROOT });
  return JSON.parse(stdout.trim().split('\n').pop() as string) as ImportSample;
}

function specifierOf(entry: ImportEntry): string {
  return pathToFileURL(compiledPath(entry)).href;
}

/** Compiles once, warms the file cache with one unmeasured child per target, then runs `processes` measured children per target, alternating the order. */
async function measureImports(processes: number, log: (message: string) => void): Promise<ImportCostRun> {
  const compileMs = await compileForImport();
  log(`import cost: compiled the package in ${(compileMs / 1000).toFixed(1)} s`);
  const targets: [string, string][] = [
    [IMPORT_BASELINE, IMPORT_BASELINE],
    ...IMPORT_ENTRIES.map((entry): [string, string] => [entry.name, specifierOf(entry)]),
  ];
  for (const [name, specifier] of targets) {
    await child(name, specifier);
  }
  const samples: ImportSample[] = [];
  for (let p = 0; p < processes; p++) {
    const order = p % 2 === 0 ? targets : [...targets].reverse();
    for (const [name, specifier] of order) {
      const sample = await child(name, specifier);
      samples.push(sample);
      log(
        `import cost ${name} ${p + 1}/${processes}: ${sample.importMs.toFixed(1)} ms, ` +
          `RSS +${(sample.rssDelta / 1024 / 1024).toFixed(2)} MiB (private +${(sample.anonDelta / 1024 / 1024).toFixed(2)} MiB)`,
      );
    }
  }
  return { baseline: IMPORT_BASELINE, compileMs, entries: IMPORT_ENTRIES, samples };
}

/** Compiles once, measures every entry and the baseline, and removes the compiled copy again. */
export async function runImportCost(processes: number, log: (message: string) => void): Promise<ImportCostRun> {
  try {
    return await measureImports(processes, log);
  } finally {
    rmSync(IMPORT_OUT_DIR, { recursive: true, force: true });
  }
}
