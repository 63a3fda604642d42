/** Benchmark 3, import cost: compiles the package once, then imports each entry and `pocketflow` in fresh plain-node child processes, alternating. */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** An entry left out of this run, and why. */
export interface SkippedEntry {
  name: string;
  source: string;
  reason: string;
}

/** Everything one import-cost run measured. */
export interface ImportCostRun {
  baseline: string;
  compileMs: number;
  typeErrors: number;
  entries: ImportEntry[];
  skipped: SkippedEntry[];
  samples: ImportSample[];
}

function compiledPath(entry: ImportEntry): string {
  return join(IMPORT_OUT_DIR, entry.source.replace(/\.ts$/, '.js'));
}

function errorCount(output: string): number {
  return output.split('\n').filter((line) => /error TS\d+/.test(line)).length;
}

async function compilePackage(log: (message: string) => void): Promise<number> {
  const tsc = join(ROOT, 'node_modules', '.bin', 'tsc');
  try {
    await run(tsc, ['-p', 'tsconfig.build.json', '--outDir', IMPORT_OUT_DIR, '--declaration', 'false', '--sourceMap', 'false', '--inlineSources', 'false'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    return 0;
  } catch (error) {
    const output = (error as { stdout?: string }).stdout ?? '';
    const errors = errorCount(output);
    if (errors === 0) {
      throw error;
    }
    log(`import cost: tsc reported ${errors} type errors; measuring the JavaScript it emitted anyway`);
    return errors;
  }
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
export async function compileForImport(log: (message: string) => void): Promise<{ compileMs: number; typeErrors: number }> {
  const start = performance.now();
  rmSync(IMPORT_OUT_DIR, { recursive: true, force: true });
  const typeErrors = await compilePackage(log);
  writeFileSync(join(IMPORT_OUT_DIR, 'package.json'), `${JSON.stringify({ type: 'module', private: true })}\n`);
  compileChild();
  return { compileMs: performance.now() - start, typeErrors };
}

function skipReason(entry: ImportEntry): string | undefined {
  if (!existsSync(join(ROOT, entry.source))) {
    return `${entry.source} does not exist yet`;
  }
  if (!existsSync(compiledPath(entry))) {
    return `tsc emitted no ${entry.source.replace(/\.ts$/, '.js')}`;
  }
  return undefined;
}

async function child(name: string, specifier: string): Promise<ImportSample> {
  const { stdout } = await run(process.execPath, ['--expose-gc', CHILD_JS, name, specifier], { cwd: ROOT });
  return JSON.parse(stdout.trim().split('\n').pop() as string) as ImportSample;
}

function specifierOf(entry: ImportEntry): string {
  return pathToFileURL(compiledPath(entry)).href;
}

function failureReason(error: unknown): string {
  const stderr = (error as { stderr?: string }).stderr ?? '';
  const line = stderr.split('\n').find((text) => /^[A-Za-z]*Error\b/.test(text));
  const reason = line ?? String(error).split('\n')[0];
  return `importing it failed: ${reason.replaceAll(`${ROOT}/`, '')}`;
}

async function warmUp(entry: ImportEntry): Promise<string | undefined> {
  try {
    await child(entry.name, specifierOf(entry));
    return undefined;
  } catch (error) {
    return failureReason(error);
  }
}

/** Compiles once, warms the file cache with one unmeasured child per target (skipping entries that fail to import), then runs `processes` measured children per target, alternating the order. */
async function measureImports(processes: number, log: (message: string) => void): Promise<ImportCostRun> {
  const { compileMs, typeErrors } = await compileForImport(log);
  log(`import cost: compiled the package in ${(compileMs / 1000).toFixed(1)} s`);
  const entries: ImportEntry[] = [];
  const skipped: SkippedEntry[] = [];
  await child(IMPORT_BASELINE, IMPORT_BASELINE);
  for (const entry of IMPORT_ENTRIES) {
    const reason = skipReason(entry) ?? (await warmUp(entry));
    if (reason === undefined) {
      entries.push(entry);
    } else {
      skipped.push({ name: entry.name, source: entry.source, reason });
      log(`import cost: skipping ${entry.name}: ${reason}`);
    }
  }
  const targets: [string, string][] = [
    [IMPORT_BASELINE, IMPORT_BASELINE],
    ...entries.map((entry): [string, string] => [entry.name, specifierOf(entry)]),
  ];
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
  return { baseline: IMPORT_BASELINE, compileMs, typeErrors, entries, skipped, samples };
}

/** Compiles once, measures every entry and the baseline, and removes the compiled copy again. */
export async function runImportCost(processes: number, log: (message: string) => void): Promise<ImportCostRun> {
  try {
    return await measureImports(processes, log);
  } finally {
    rmSync(IMPORT_OUT_DIR, { recursive: true, force: true });
  }
}
