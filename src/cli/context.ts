/** What every command gets: where to write, the project (loaded once, when a command needs it), the settings. */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { PocketFlowError } from '../core/index.js';
import { UnknownFlowError } from '../temporal/errors.js';
import { NoProjectError, type ProjectConfig, loadProject } from './project.js';

/** A mistake in how a command was called (a missing option, two that exclude each other): exit code 2, as commander's own. */
export class UsageError extends PocketFlowError {
  override name = 'UsageError';
}

export interface CliContext {
  out(text: string): void;
  /** The project file given by --config, or the default one. */
  configPath: string;
  /** The project, or undefined when there is no project file. */
  project(): Promise<ProjectConfig | undefined>;
  /** The project; a NoProjectError naming `command` when there is none. */
  needProject(command: string): Promise<ProjectConfig>;
}

export function createContext(configPath: string, out: (text: string) => void): CliContext {
  let loaded: Promise<ProjectConfig | undefined> | undefined;
  const project = (): Promise<ProjectConfig | undefined> => (loaded ??= loadProject(configPath));
  return {
    out,
    configPath,
    project,
    async needProject(command) {
      const found = await project();
      if (found === undefined) {
        throw new NoProjectError(configPath, command);
      }
      return found;
    },
  };
}

/** The task queue: TEMPORAL_TASK_QUEUE, else the project's. */
export function taskQueueOf(project: ProjectConfig): string {
  return process.env['TEMPORAL_TASK_QUEUE'] || project.taskQueue;
}

/** Where the local dev server's database and the logs are kept. */
export function dataDir(): string {
  return process.env['POCKETFLOW_TEMPORAL_DATA'] || join(homedir(), '.local', 'share', 'pocketflow-temporal');
}

/** The flow named on the command line, or the project's default one. */
export function flowNameOf(project: ProjectConfig, given: string | undefined): string {
  const name = given ?? project.defaultFlow ?? project.flows.names[0];
  if (name === undefined || !project.flows.has(name)) {
    throw new UnknownFlowError(name ?? '(none)', project.flows.names);
  }
  return name;
}
