import type { ExecRunner, InputSource, RunContext, RunOptions, StepControl } from './context.js';
import { NoInputSourceError } from './errors.js';
import { directExecutor } from './exec.js';
import { consoleLogger } from './logger.js';

/** What a runtime may set beyond the public run options: how exec runs, and a hand on the loop. */
export interface RuntimeOptions extends RunOptions {
  executor?: ExecRunner;
  control?: StepControl;
  heartbeat?: (details?: unknown) => void;
}

/** The input source of a run that was given none: a node that asks fails with a hint. */
const noInput: InputSource = {
  ask(request) {
    return Promise.reject(new NoInputSourceError(request.node));
  },
};

/** Builds the context a run hands to every node: in-process defaults where `options` says nothing. */
export function createRunContext(options: RuntimeOptions | undefined): RunContext {
  return {
    executor: options?.executor ?? directExecutor,
    input: options?.input ?? noInput,
    logger: options?.logger ?? consoleLogger,
    services: options?.services,
    observer: options?.observer,
    control: options?.control,
    heartbeat: options?.heartbeat,
  };
}
