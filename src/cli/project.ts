/** What the command line knows of a project: its flows, its task queue, its worker. Read from `pocketflow.config.ts`. */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PocketFlowError } from '../core/index.js';
import type { FlowRegistry } from '../temporal/registry.js';
import type { FlowWorker, FlowWorkerOptions } from '../temporal/worker.js';

/** The file the command line reads a project from, in the current directory unless `--config` says otherwise. */
export const PROJECT_FILE = 'pocketflow.config.ts';

/** A project as the command line sees it. */
export interface ProjectConfig {
  /** The registered flows (the same registry the workflow bundle and the worker use). */
  flows: FlowRegistry;
  /** The task queue the project's worker polls; TEMPORAL_TASK_QUEUE overrides it. */
  taskQueue: string;
  /**
   * The workflow bundle entry (the module whose default export is `createFlowWorkflows(flows).flow`),
   * relative to the project file: what `check-replay` and `upgrade` replay histories against.
   */
  workflowsPath?: string;
  /** The flow that `run` and `start` take when none is named. */
  defaultFlow?: string;
  /**
   * Creates the project's worker for `run`, `attach` and `worker` (import I/O modules inside it,
   * so that commands which need no worker never load them).
   */
  createWorker?: (options: Pick<FlowWorkerOptions, 'connection' | 'namespace' | 'taskQueue' | 'log'>) => Promise<FlowWorker>;
  /** Builds the services for an in-process run (`run --local`). */
  createServices?: () => Promise<unknown>;
  /** What a conversation prints from the shared store, line by line (lines already printed are skipped). */
  transcript?: (shared: object) => readonly string[];
  /** Options of `run` and `start` that set one key of the initial shared store: option name → help text. */
  sharedOptions?: Record<string, string>;
  /** The answers that `approve` and `reject` send (default `y` and `n`). */
  answers?: { approve: string; reject: string };
}

/** Declares a project for the command line; the default export of `pocketflow.config.ts`. */
export function defineProject(config: ProjectConfig): ProjectConfig {
  return config;
}

/** A command needs the project file, and there is none. */
export class NoProjectError extends PocketFlowError {
  constructor(path: string, command: string) {
    super(
      `'${command}' needs the project's flows, and there is no ${path}. ` +
        `Run it in the project's folder, pass --config <file>, or create ${PROJECT_FILE} (see README: The command line).`,
    );
  }
}

const TYPESCRIPT_FILE = /\.[cm]?tsx?$/;

let typeScriptLoader: Promise<void> | undefined;

/**
 * Lets Node import a TypeScript project file, and the project's TypeScript modules it imports,
 * through tsx's loader (which also maps the `.js` of an import to its `.ts`, as TypeScript's own
 * resolution does): registered once, and only when the command line runs compiled; run from its
 * sources it already runs under a TypeScript loader.
 */
function registerTypeScriptLoader(): Promise<void> {
  typeScriptLoader ??= import.meta.url.endsWith('.ts')
    ? Promise.resolve()
    : import('tsx/esm/api').then(({ register }) => {
        register();
      });
  return typeScriptLoader;
}

/** Loads the project file at `path` (relative to the current directory), or undefined when there is none. */
export async function loadProject(path: string): Promise<ProjectConfig | undefined> {
  const file = resolve(path);
  if (!existsSync(file)) {
    return undefined;
  }
  if (TYPESCRIPT_FILE.test(file)) {
    await registerTypeScriptLoader();
  }
  const loaded = (await import(pathToFileURL(file).href)) as { default?: ProjectConfig };
  if (loaded.default === undefined || typeof loaded.default !== 'object') {
    throw new PocketFlowError(`${path} must export a project as its default: export default defineProject({ flows, taskQueue, ... }).`);
  }
  const project = loaded.default;
  // The bundle entry is relative to the project file, wherever the command runs.
  return project.workflowsPath === undefined ? project : { ...project, workflowsPath: resolve(dirname(file), project.workflowsPath) };
}
