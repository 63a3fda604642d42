/**
 * The workflow interceptor module of a bundle built to read a run's steps from its history: it
 * marks each workflow of that bundle as recording, and the run then hands every step it replays
 * to the `pocketflowSteps` sink. A worker's own bundle leaves it out, so its runs record nothing.
 */
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';

/** The mark, on the workflow's global object, that its steps are recorded. */
const RECORDING = Symbol.for('pocketflow.recordSteps');

/** True in a workflow of a bundle built to read steps. */
export function recordsSteps(): boolean {
  return (globalThis as Record<symbol, unknown>)[RECORDING] === true;
}

/** Called by the SDK as each workflow of the bundle starts: it marks the workflow as recording, and intercepts nothing. */
export const interceptors: WorkflowInterceptorsFactory = () => {
  (globalThis as Record<symbol, unknown>)[RECORDING] = true;
  return {};
};
