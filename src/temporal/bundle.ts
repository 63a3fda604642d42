/**
 * A prebuilt workflow bundle, so that a worker starts without bundling: built once (at image
 * build time, or by `npm run build:workflows`), used when it is as new as the sources it was
 * built from, and rebuilt in memory otherwise.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { bundleWorkflowCode } from '@temporalio/worker';
import { quoteList } from '../core/internal.js';
import { failureConverterPath, payloadConverterPath } from './data-converter.js';
import { WorkflowBundleError } from './errors.js';
import { FLOW_WORKFLOW_MARK, type FlowWorkflowMark } from './definitions.js';

/**
 * Modules that exec code may use and that must never enter the workflow bundle. The bundler
 * replaces them with nothing, so importing one from workflow code fails loudly at run time.
 */
export const EXEC_ONLY_MODULES = ['openai'];

/** Where a prebuilt bundle is and what it was built from. */
export interface PrebuiltBundleOptions {
  /** The bundle file (`<name>.js`); its sources' fingerprint is kept beside it in `<name>.json`. */
  bundlePath: string;
  /** The folders (or files) whose TypeScript and JavaScript the bundle is built from. */
  sources: string[];
}

/** How a worker gets its workflow code: a prebuilt bundle, or the bundle entry to bundle now, and why. */
export type WorkflowCodeChoice =
  | { kind: 'prebuilt'; codePath: string; reason: string }
  | { kind: 'source'; reason: string };

/**
 * Bundles workflow code (with the flows' payload and failure converters) once, so that several workers (or
 * restarts) can share it. Module ids are relative to the project's folder (the nearest one with a
 * package.json), not to the working directory, so that the same code bundles the same wherever it
 * is checked out and whichever folder the worker starts in: the build id is a hash of the bundle.
 */
export async function bundleFlowWorkflows(workflowsPath: string, options: { recordSteps?: boolean } = {}): Promise<{ code: string }> {
  const context = projectFolderOf(workflowsPath);
  return bundleWorkflowCode({
    workflowsPath,
    payloadConverterPath: payloadConverterPath(),
    failureConverterPath: failureConverterPath(),
    ignoreModules: EXEC_ONLY_MODULES,
    logger: quietBundlerLogger,
    webpackConfigHook: (config) => ({ ...config, context, module: { ...config.module, rules: withLibraryRule(config.module?.rules ?? []) } }),
    // Every bundle fills in the record of each task's events its memo writes hold. A bundle to read
    // runs' steps with also has its runs hand each step they replay to the steps sink.
    workflowInterceptorModules: [moduleBeside('workflow/task-events'), ...(options.recordSteps === true ? [moduleBeside('workflow/record-steps')] : [])],
  });
}

type Rules = NonNullable<NonNullable<Parameters<NonNullable<Parameters<typeof bundleWorkflowCode>[0]['webpackConfigHook']>>[0]['module']>['rules']>;

/** This library's own TypeScript sources, when it runs from them (compiled, it is JavaScript, which the bundler takes as it is). */
const LIBRARY_SOURCES = fileURLToPath(new URL('..', import.meta.url));

/**
 * The bundler's rules, with this library's TypeScript compiled for ES2022, as its published
 * JavaScript is: the SDK compiles TypeScript for ES2017, which turns each private field and object
 * spread into helper calls, and so a run from the sources would measure slower code than users run.
 * A project's own flows keep the SDK's compilation, with its semantics of class fields.
 */
function withLibraryRule(rules: Rules): Rules {
  const index = rules.findIndex((rule) => typeof rule === 'object' && rule !== null && JSON.stringify(rule.use ?? '').includes('swc-loader'));
  const sdkRule = rules[index];
  if (typeof sdkRule !== 'object' || sdkRule === null || typeof sdkRule.use !== 'object' || sdkRule.use === null || Array.isArray(sdkRule.use)) {
    return rules;
  }
  const use = sdkRule.use as { loader?: string; options?: { jsc?: Record<string, unknown> } & Record<string, unknown> };
  const library = {
    test: /\.ts$/,
    include: LIBRARY_SOURCES,
    exclude: /node_modules/,
    use: { ...use, options: { ...use.options, jsc: { ...use.options?.jsc, target: 'es2022' } } },
  };
  const rest = { ...sdkRule, exclude: [sdkRule.exclude ?? /node_modules/, LIBRARY_SOURCES].flat() };
  return [...rules.slice(0, index), library, rest, ...rules.slice(index + 1)] as Rules;
}

/** At most this many source files are hashed to key a cached bundle; a larger tree is bundled each time. */
const MAX_FINGERPRINTED_FILES = 20_000;
/** How many cached bundles a project keeps (the newest). */
const CACHED_BUNDLES_KEPT = 6;

/**
 * `bundleFlowWorkflows`, cached on disk: a bundle is kept in the project's
 * `node_modules/.cache/pocketflow-temporal` (or the system's temporary folder), keyed by a hash of
 * the project's source files and lockfile (and this library's own code when it lives elsewhere), so
 * a command that replays histories (`steps`, `fork`, `check-replay`) bundles only after a change.
 * The code is the bundle that `bundleFlowWorkflows` gives for those sources, byte for byte.
 */
export async function cachedFlowBundle(workflowsPath: string, options: { recordSteps?: boolean } = {}): Promise<{ code: string; cached: boolean }> {
  const project = projectFolderOf(workflowsPath);
  const key = bundleKey(project, workflowsPath, options.recordSteps === true);
  const folder = existsSync(join(project, 'node_modules'))
    ? join(project, 'node_modules', '.cache', 'pocketflow-temporal')
    : join(tmpdir(), 'pocketflow-temporal-bundles');
  const file = key === undefined ? undefined : join(folder, `${options.recordSteps === true ? 'recording' : 'workflows'}-${key}.js`);
  if (file !== undefined && existsSync(file)) {
    return { code: readFileSync(file, 'utf8'), cached: true };
  }
  const { code } = await bundleFlowWorkflows(workflowsPath, options);
  if (file !== undefined) {
    keepBundle(folder, file, code);
  }
  return { code, cached: false };
}

/** The hash a cached bundle is kept under, or undefined when the project is too large to hash. */
function bundleKey(project: string, workflowsPath: string, recordSteps: boolean): string | undefined {
  const library = fileURLToPath(new URL('..', import.meta.url));
  const inProject = relative(project, library);
  // Installed, the library is under node_modules, which the project's walk leaves out.
  const roots = inProject.startsWith('..') || inProject.split(sep).includes('node_modules') ? [project, library] : [project];
  const files = roots.flatMap((root) => sourceFiles(root, { wholeProject: true, limit: MAX_FINGERPRINTED_FILES }));
  if (files.length >= MAX_FINGERPRINTED_FILES) {
    return undefined;
  }
  const hash = createHash('sha256');
  hash.update(`${relative(project, resolve(workflowsPath))}\0${String(recordSteps)}\0`);
  hashFiles(hash, project, files);
  return hash.digest('hex').slice(0, 32);
}

/** Writes a bundle to the cache (whole, or not at all) and removes the oldest past the number kept; a cache that cannot be written is skipped. */
function keepBundle(folder: string, file: string, code: string): void {
  try {
    mkdirSync(folder, { recursive: true });
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, code);
    renameSync(partial, file);
    const kept = readdirSync(folder)
      .filter((name) => name.endsWith('.js'))
      .map((name) => ({ path: join(folder, name), mtime: statSync(join(folder, name)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime);
    for (const old of kept.slice(CACHED_BUNDLES_KEPT)) {
      rmSync(old.path, { force: true });
    }
  } catch {
    // A read-only project or a full disk: the bundle is still used, only not kept.
  }
}

/** The file of a module of this folder, compiled (`.js`) or, run from source, the `.ts`, for the bundler to read. */
function moduleBeside(name: string): string {
  const compiled = fileURLToPath(new URL(`./${name}.js`, import.meta.url));
  return existsSync(compiled) ? compiled : fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
}

/** The nearest folder above `path` with a package.json (else the path's own folder). */
function projectFolderOf(path: string): string {
  const start = dirname(resolve(path));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) {
      return dir;
    }
    if (dirname(dir) === dir) {
      return start;
    }
  }
}

/** Builds the bundle of `workflowsPath` into `bundlePath`, with the fingerprint of its sources beside it. */
export async function writeWorkflowBundle(workflowsPath: string, options: PrebuiltBundleOptions): Promise<void> {
  const { code } = await bundleFlowWorkflows(workflowsPath);
  mkdirSync(dirname(options.bundlePath), { recursive: true });
  writeFileSync(options.bundlePath, code);
  writeFileSync(fingerprintPath(options.bundlePath), `${JSON.stringify({ sources: fingerprint(options) }, null, 2)}\n`);
}

/** The prebuilt bundle when it exists and matches its sources; otherwise why the worker bundles from source. */
export function chooseWorkflowCode(options: PrebuiltBundleOptions): WorkflowCodeChoice {
  const where = relative(process.cwd(), options.bundlePath) || options.bundlePath;
  if (!existsSync(options.bundlePath) || !existsSync(fingerprintPath(options.bundlePath))) {
    return { kind: 'source', reason: `no prebuilt bundle at ${where}` };
  }
  const recorded = (JSON.parse(readFileSync(fingerprintPath(options.bundlePath), 'utf8')) as { sources?: string }).sources;
  if (recorded !== fingerprint(options)) {
    return { kind: 'source', reason: `the prebuilt bundle at ${where} is older than its sources` };
  }
  return { kind: 'prebuilt', codePath: options.bundlePath, reason: `the prebuilt bundle at ${where}` };
}

function fingerprintPath(bundlePath: string): string {
  return bundlePath.replace(/\.js$/, '') + '.json';
}

/**
 * A hash of the names and contents of every source file of a bundle, in a stable order. Names are
 * relative to the bundle's folder, so that a project copied or checked out elsewhere, bundle and
 * sources together (an image's build stage, another clone), keeps a bundle that matches.
 */
function fingerprint({ bundlePath, sources }: PrebuiltBundleOptions): string {
  const hash = createHash('sha256');
  hashFiles(hash, dirname(resolve(bundlePath)), sources.flatMap((source) => sourceFiles(source)));
  return hash.digest('hex');
}

/** Adds each file's name (relative to `base`, with forward slashes) and contents to `hash`, in a stable order. */
function hashFiles(hash: ReturnType<typeof createHash>, base: string, files: string[]): void {
  for (const file of files.map((path) => relative(base, resolve(path)).split(sep).join('/')).sort()) {
    hash.update(file);
    hash.update('\0');
    hash.update(readFileSync(resolve(base, file)));
    hash.update('\0');
  }
}

const LOCKFILES = new Set(['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lock']);

/**
 * The TypeScript, JavaScript and JSON files at or under `path`, node_modules left out. For a
 * `wholeProject`, its lockfiles too, and no folder whose name starts with a dot (version control,
 * caches, reports). Stops after `limit` files.
 */
function sourceFiles(path: string, options: { wholeProject?: boolean; limit?: number } = {}): string[] {
  const found: string[] = [];
  const visit = (at: string): void => {
    if (found.length >= (options.limit ?? Infinity) || !existsSync(at)) {
      return;
    }
    if (!statSync(at).isDirectory()) {
      const name = at.slice(at.lastIndexOf(sep) + 1);
      if (/\.(ts|mts|cts|js|mjs|cjs|json)$/.test(name) || (options.wholeProject === true && LOCKFILES.has(name))) {
        found.push(at);
      }
      return;
    }
    for (const entry of readdirSync(at)) {
      if (entry !== 'node_modules' && !(options.wholeProject === true && entry.startsWith('.'))) {
        visit(join(at, entry));
      }
    }
  };
  visit(path);
  return found;
}

/** What a bundle entry must export, and what each export must be. */
const EXPORTS: ReadonlyArray<[name: string, shape: FlowWorkflowMark['shape']]> = [
  ['default', 'flow'],
  ['pocketflowBatchChunk', 'batchChunk'],
  ['pocketflowBatchFlowChunk', 'batchFlowChunk'],
];

/** How a bundle entry exports the workflows, as the refusal says it. */
const HOW_TO_EXPORT =
  'const workflows = createFlowWorkflows(flows); export default workflows.flow; export const { pocketflowBatchChunk, pocketflowBatchFlowChunk } = workflows;';

/**
 * Refuses, with one line that says what to export, a workflow bundle that cannot serve `flows`: one
 * whose entry lacks the flow workflow as its default export or the chunk workflows by name, or
 * serves other flows than the worker registers. `source` names the bundle in the message. The
 * bundle's code is loaded in a context of its own, as the worker's sandbox loads it.
 */
export function checkWorkflowBundle(code: string, flows: readonly string[], source: string): void {
  let exported: Record<string, unknown>;
  try {
    const context = vm.createContext({ __webpack_module_cache__: {} });
    new vm.Script(code, { filename: 'workflow-bundle.js' }).runInContext(context);
    exported = (context['__TEMPORAL__'] as { importWorkflows: () => Record<string, unknown> }).importWorkflows();
  } catch (error) {
    throw new WorkflowBundleError(`${source} fails to load as a workflow bundle: ${(error as Error).message}`);
  }
  const markOf = (value: unknown): FlowWorkflowMark | undefined =>
    typeof value === 'function' ? ((value as unknown as Record<string, unknown>)[FLOW_WORKFLOW_MARK] as FlowWorkflowMark | undefined) : undefined;
  const missing = EXPORTS.filter(([name, shape]) => markOf(exported[name])?.shape !== shape).map(([name]) =>
    name === 'default' ? 'the flow workflow as its default export' : name,
  );
  if (missing.length > 0) {
    throw new WorkflowBundleError(`${source} does not export ${missing.join(', ')}, so no flow run could start. Export them: ${HOW_TO_EXPORT}`);
  }
  const served = (markOf(exported['default']) as FlowWorkflowMark).flows;
  const onlyWorker = flows.filter((name) => !served.includes(name));
  const onlyBundle = served.filter((name) => !flows.includes(name));
  if (onlyWorker.length > 0 || onlyBundle.length > 0) {
    const differences = [
      onlyWorker.length === 0 ? undefined : `the worker registers ${someOf(onlyWorker)}, which it does not serve`,
      onlyBundle.length === 0 ? undefined : `it serves ${someOf(onlyBundle)}, which the worker does not register`,
    ].filter((part) => part !== undefined);
    throw new WorkflowBundleError(
      `${source} serves ${served.length} flows and the worker registers ${flows.length}: ${differences.join('; ')}. ` +
        'Build the bundle and the worker from the same flows module.',
    );
  }
}

/** The first few names, quoted, and how many more there are. */
function someOf(names: readonly string[], shown = 5): string {
  const rest = names.length - shown;
  return rest > 0 ? `${quoteList(names.slice(0, shown))} and ${rest} more` : quoteList(names);
}

const quietBundlerLogger = {
  trace() {},
  debug() {},
  info() {},
  warn(message: string) {
    console.warn(message);
  },
  error(message: string) {
    console.error(message);
  },
  log() {},
};
