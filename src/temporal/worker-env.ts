/** Worker options from the environment, beside Temporal's connection settings: TEMPORAL_WORKER_*. */
import type { WorkerOptions } from '@temporalio/worker';
import { PocketFlowError } from '../core/index.js';

/** How long a workflow task waits for the worker that has the run cached before any worker may take it. */
export const DEFAULT_STICKY_TIMEOUT = '1s';

const WHOLE_NUMBERS = {
  TEMPORAL_WORKER_MAX_CACHED_WORKFLOWS: 'maxCachedWorkflows',
  TEMPORAL_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: 'maxConcurrentWorkflowTaskExecutions',
  TEMPORAL_WORKER_MAX_CONCURRENT_ACTIVITIES: 'maxConcurrentActivityTaskExecutions',
  TEMPORAL_WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES: 'maxConcurrentLocalActivityExecutions',
} as const;

/** The environment variables `workerOptionsFromEnv` reads, with the worker option each sets. */
export const WORKER_ENV_VARIABLES: Readonly<Record<string, string>> = {
  ...WHOLE_NUMBERS,
  TEMPORAL_WORKER_STICKY_TIMEOUT: 'stickyQueueScheduleToStartTimeout',
};

/** A worker setting in the environment that cannot be used. */
export class WorkerSettingError extends PocketFlowError {}

/**
 * Reads worker options from the environment: TEMPORAL_WORKER_MAX_CACHED_WORKFLOWS,
 * TEMPORAL_WORKER_MAX_CONCURRENT_WORKFLOW_TASKS, TEMPORAL_WORKER_MAX_CONCURRENT_ACTIVITIES,
 * TEMPORAL_WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES (whole numbers) and TEMPORAL_WORKER_STICKY_TIMEOUT
 * (a duration such as `1s` or `500ms`). Unset variables are left out.
 */
export function workerOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<WorkerOptions> {
  const options: Record<string, number | string> = {};
  for (const [variable, option] of Object.entries(WHOLE_NUMBERS)) {
    const raw = env[variable];
    if (raw === undefined || raw === '') {
      continue;
    }
    const value = Number(raw);
    if (!Number.isInteger(value) || value < (option === 'maxCachedWorkflows' ? 0 : 1)) {
      throw new WorkerSettingError(`${variable} must be a whole number${option === 'maxCachedWorkflows' ? '' : ' of at least 1'}, got ${JSON.stringify(raw)}.`);
    }
    options[option] = value;
  }
  const sticky = env['TEMPORAL_WORKER_STICKY_TIMEOUT'];
  if (sticky !== undefined && sticky !== '') {
    if (!/^\d+(\.\d+)?\s*(ms|s|m|h)$/.test(sticky.trim())) {
      throw new WorkerSettingError(`TEMPORAL_WORKER_STICKY_TIMEOUT must be a duration such as 1s or 500ms, got ${JSON.stringify(sticky)}.`);
    }
    options['stickyQueueScheduleToStartTimeout'] = sticky.trim();
  }
  return options as Partial<WorkerOptions>;
}
