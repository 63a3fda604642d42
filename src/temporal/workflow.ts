/**
 * The workflow side of the Temporal runtime: deterministic code only. It runs the core's
 * orchestration loop with exec as activities and a person's input as signals or updates.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  ContinueAsNew,
  continueAsNew,
  isCancellation,
  log,
  scheduleActivity,
  setCurrentDetails,
  setHandler,
  TemporalFailure,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import {
  type Action,
  type AnyNode,
  assertJsonSerializable,
  AsyncFlow,
  AsyncHumanNode,
  createRunContext,
  directExecutor,
  Flow,
  orchestrate,
  reachableNodes,
  type ExecCall,
  type ExecRunner,
  failedNodeOf,
  type InputSource,
  type Logger,
  type PendingInput,
  refusalOf,
  toError,
} from '../core/index.js';
import {
  type AnswerAccepted,
  type AnswerInput,
  answerSignal,
  answerUpdate,
  type ExecActivityInput,
  fallbackActivityName,
  type FallbackActivityInput,
  type FlowRunState,
  type FlowWorkflowInput,
  type FlowWorkflowResult,
  type PendingPrompt,
  type ResumePoint,
  STEP_HISTORY_LIMIT,
  stateQuery,
} from './definitions.js';
import type { FlowRegistry } from './registry.js';

/** Start-to-close timeout of an exec activity whose node sets none. */
export const DEFAULT_START_TO_CLOSE = '5 minutes';

/** Temporal refuses payloads past 2 MB; refuse earlier with a message that says what to do. */
export const MAX_PAYLOAD_BYTES = 1_900_000;

/**
 * Returns the workflow function that runs any flow in `registry`. Export it from the workflow
 * bundle as `runFlow`: `export const runFlow = createFlowWorkflow(flows);`
 */
export function createFlowWorkflow(registry: FlowRegistry): (input: FlowWorkflowInput) => Promise<FlowWorkflowResult> {
  return async function runFlow(input: FlowWorkflowInput): Promise<FlowWorkflowResult> {
    checkInput(input, registry);
    const flowName = input.flow;
    const flow = registry.build(flowName);
    flow.setParams({ ...flow.params, ...input.params });
    const shared = input.shared as Record<string, unknown>;
    const run = new RunTracker(flowName, shared, input.resume?.steps ?? 0);
    const humans = new SignalInput(run, input.resume?.inbox ?? []);
    setHandler(stateQuery, () => run.snapshot(humans.pending()));
    setHandler(answerSignal, (answer: unknown) => humans.receive(answer));
    setHandler(answerUpdate, (answer: AnswerInput) => humans.acceptUpdate(answer), {
      validator: (answer: unknown) => humans.validateUpdate(answer),
    });
    const root = flow.clone();
    const stepsBeforeThisRun = input.resume?.steps ?? 0;
    const limit = flow.options.temporal?.continueAsNewAfterSteps;
    root._ctx = createRunContext({
      executor: new ActivityExecutor(flowName),
      input: humans,
      logger: workflowLogger,
      observer: {
        onStepStart: (node) => run.onStepStart(node),
        onStepEnd: (node, action) => run.onStepEnd(node, action),
        betweenSteps: (current, next) => {
          const due = workflowInfo().continueAsNewSuggested || (limit !== undefined && run.steps - stepsBeforeThisRun >= limit);
          if (current !== root || !due || !canResume(flow)) {
            return undefined;
          }
          const resume: ResumePoint = { at: next.name, steps: run.steps, inbox: humans.unread() };
          return continueAsNew<typeof runFlow>({ ...input, shared, resume });
        },
      },
    });
    try {
      const action = input.resume === undefined ? await root._runAsync(shared) : await resumeAt(root, shared, input.resume.at);
      assertJsonSerializable(shared, `The shared store of flow '${flowName}' at its end`);
      run.finish('completed');
      return { shared, action };
    } catch (error) {
      if (error instanceof ContinueAsNew) {
        throw error;
      }
      run.finish('failed');
      if (isCancellation(error)) {
        throw error;
      }
      throw nodeFailure(flowName, error);
    }
  };
}

/** True when the top-level flow can stop between steps and pick up in a new run: a plain flow whose prep does nothing. */
function canResume(flow: Flow<any, any>): boolean {
  if (flow instanceof AsyncFlow) {
    return flow._runAsync === AsyncFlow.prototype._runAsync && flow.prepAsync === AsyncFlow.prototype.prepAsync;
  }
  return flow._runAsync === Flow.prototype._runAsync && flow.prep === Flow.prototype.prep;
}

/** Runs the rest of a top-level flow from the node named `at`, then its post. */
async function resumeAt(root: Flow<any, any>, shared: object, at: string): Promise<Action | undefined> {
  const node = reachableNodes(root).find((n) => n.name === at);
  if (node === undefined) {
    throw ApplicationFailure.nonRetryable(
      `The run continued as new at node '${at}', which the flow no longer has. Keep node names stable across deploys.`,
      'UnknownNodeError',
    );
  }
  const last = await orchestrate(root, shared, undefined, node);
  if (root instanceof AsyncFlow) {
    return (await root.postAsync(shared, undefined, last)) ?? undefined;
  }
  return root.post(shared, undefined, last) ?? undefined;
}

function checkInput(input: unknown, registry: FlowRegistry): asserts input is FlowWorkflowInput {
  const given = input as Partial<FlowWorkflowInput> | undefined;
  if (typeof given !== 'object' || given === null || typeof given.flow !== 'string') {
    throw ApplicationFailure.nonRetryable(
      'The workflow input must be { flow: string, shared: object, params?: object }.',
      'InvalidFlowInput',
    );
  }
  if (!registry.has(given.flow)) {
    throw ApplicationFailure.nonRetryable(
      `Unknown flow '${given.flow}' (registered: ${registry.names.map((n) => `'${n}'`).join(', ') || 'none'}). ` +
        `Register it in the workflow bundle and the worker with defineFlows().`,
      'UnknownFlowError',
    );
  }
  if (typeof given.shared !== 'object' || given.shared === null || Array.isArray(given.shared)) {
    throw ApplicationFailure.nonRetryable('The shared store must be a JSON object.', 'InvalidFlowInput');
  }
}

/** Turns an error that escaped the flow into a failure that ends the workflow (not a task retry). */
function nodeFailure(flow: string, error: unknown): ApplicationFailure {
  const node = failedNodeOf(error);
  const root = rootCause(error);
  const where = node === undefined ? `Flow '${flow}' failed` : `Flow '${flow}' failed at node '${node}'`;
  return ApplicationFailure.create({
    message: `${where}: ${root.message}`,
    type: root.type,
    nonRetryable: true,
    details: [{ flow, node: node ?? null }],
    cause: error instanceof Error ? error : undefined,
  });
}

/** The innermost message and type of an error, looking through Temporal's failure wrappers. */
export function rootCause(error: unknown): { message: string; type: string } {
  let current: unknown = error;
  while (current instanceof TemporalFailure && current.cause !== undefined) {
    current = current.cause;
  }
  if (current instanceof ApplicationFailure) {
    return { message: current.message, type: current.type ?? 'Error' };
  }
  if (current instanceof TemporalFailure) {
    return { message: current.message, type: current.name };
  }
  const plain = toError(current);
  return { message: plain.message, type: plain.name };
}

const workflowLogger: Logger = {
  debug: (message, attrs) => log.debug(message, attrs),
  info: (message, attrs) => log.info(message, attrs),
  warn: (message, attrs) => log.warn(message, attrs),
  error: (message, attrs) => log.error(message, attrs),
};

/** Runs each exec as an activity named after its node, with the node's retry policy. */
class ActivityExecutor implements ExecRunner {
  readonly #flow: string;

  constructor(flow: string) {
    this.#flow = flow;
  }

  exec(call: ExecCall, prepRes: unknown): Promise<unknown> {
    const node = call.node;
    if (node instanceof AsyncHumanNode || !node.hasExec) {
      return directExecutor.exec(call, prepRes);
    }
    const input: ExecActivityInput = { flow: this.#flow, node: node.name, params: node.params, input: prepRes };
    try {
      checkPayloadSize(node, input);
    } catch (error) {
      return Promise.reject(error);
    }
    const summary = call.index === undefined ? node.name : `${node.name} item ${call.index + 1} of ${call.count}`;
    if (!node.hasCustomFallback) {
      return scheduleActivity(node.name, [input], activityOptions(node, summary));
    }
    return this.#execWithFallback(node, input, summary);
  }

  async #execWithFallback(node: AnyNode, input: ExecActivityInput, summary: string): Promise<unknown> {
    try {
      return await scheduleActivity(node.name, [input], activityOptions(node, summary));
    } catch (error) {
      if (!(error instanceof ActivityFailure)) {
        throw error;
      }
      const fallbackInput: FallbackActivityInput = { ...input, error: rootCause(error) };
      return scheduleActivity(fallbackActivityName(node.name), [fallbackInput], {
        ...activityOptions(node, `${summary} (fallback)`),
        retry: { maximumAttempts: 1 },
      });
    }
  }
}

/** Maps a node's options onto Temporal's activity options. */
export function activityOptions(node: AnyNode, summary: string): ActivityOptions {
  const t = node.options.temporal ?? {};
  return {
    startToCloseTimeout: t.startToCloseTimeout ?? DEFAULT_START_TO_CLOSE,
    scheduleToCloseTimeout: t.scheduleToCloseTimeout,
    heartbeatTimeout: t.heartbeatTimeout,
    taskQueue: t.taskQueue,
    summary,
    retry: {
      maximumAttempts: node.maxRetries,
      initialInterval: Math.max(1, Math.round(node.wait * 1000)),
      backoffCoefficient: t.backoffCoefficient ?? 1,
      maximumInterval: t.maximumInterval,
      nonRetryableErrorTypes: t.nonRetryableErrorTypes,
    },
  };
}

function checkPayloadSize(node: AnyNode, input: ExecActivityInput): void {
  const size = JSON.stringify(input).length;
  if (size > MAX_PAYLOAD_BYTES) {
    throw ApplicationFailure.nonRetryable(
      `The input of node '${node.name}' is ${size} bytes, over Temporal's payload limit (about 2 MB). ` +
        `Keep large data outside the flow (a file or blob store) and pass a reference in prep.`,
      'PayloadTooLargeError',
    );
  }
}

/** Keeps the run's visible state: current nodes, recent steps, status. */
class RunTracker {
  readonly #flow: string;
  readonly #shared: object;
  readonly #current = new Map<AnyNode, string>();
  readonly #recent: Array<{ node: string; action: string | undefined }> = [];
  #steps: number;
  #status: FlowRunState['status'] = 'running';
  readonly refused: FlowRunState['refused'] = [];

  constructor(flow: string, shared: object, steps: number) {
    this.#flow = flow;
    this.#shared = shared;
    this.#steps = steps;
  }

  get steps(): number {
    return this.#steps;
  }

  onStepStart(node: AnyNode): void {
    this.#current.set(node, node.name);
    this.details();
  }

  onStepEnd(node: AnyNode, action: string | undefined): void {
    this.#current.delete(node);
    this.#steps += 1;
    this.#recent.push({ node: node.name, action });
    if (this.#recent.length > STEP_HISTORY_LIMIT) {
      this.#recent.shift();
    }
  }

  finish(status: 'completed' | 'failed'): void {
    this.#status = status;
    this.#current.clear();
    this.details([]);
  }

  refuse(answer: unknown, reason: string): void {
    this.refused.push({ answer, reason });
    if (this.refused.length > STEP_HISTORY_LIMIT) {
      this.refused.shift();
    }
    log.warn(`Refused an answer: ${reason}`, { answer });
  }

  details(pending?: PendingPrompt[]): void {
    const lines = [`Flow ${this.#flow}: ${this.#status}`];
    const current = [...new Set(this.#current.values())];
    if (current.length > 0) {
      lines.push(`Current node: ${current.join(', ')}`);
    }
    for (const prompt of pending ?? []) {
      lines.push(`Waiting for an answer (request ${prompt.requestId}, node ${prompt.node}): ${prompt.prompt}`);
    }
    setCurrentDetails(lines.join('\n\n'));
  }

  snapshot(pending: PendingPrompt[]): FlowRunState {
    const status = this.#status === 'running' && pending.length > 0 ? 'waiting' : this.#status;
    return {
      flow: this.#flow,
      status,
      currentNodes: [...new Set(this.#current.values())],
      pending,
      shared: this.#shared,
      steps: this.#steps,
      recentSteps: [...this.#recent],
      refused: [...this.refused],
    };
  }
}

interface OpenRequest extends PendingInput {
  requestId: number;
  answer?: string;
}

/** A person's input through signals and updates; answers that arrive early wait in an inbox. */
class SignalInput implements InputSource {
  readonly #run: RunTracker;
  readonly #open = new Map<number, OpenRequest>();
  readonly #inbox: AnswerInput[];
  #nextId = 1;

  constructor(run: RunTracker, inbox: AnswerInput[]) {
    this.#run = run;
    this.#inbox = inbox.map((answer) => ({ answer: answer.answer }));
  }

  /** Answers received and not used yet (their request ids belong to this run, so they are dropped). */
  unread(): AnswerInput[] {
    return [...this.#inbox];
  }

  pending(): PendingPrompt[] {
    return [...this.#open.values()]
      .filter((r) => r.answer === undefined)
      .map((r) => ({
        requestId: r.requestId,
        node: r.node,
        prompt: r.prompt,
        ...(r.choices === undefined ? {} : { choices: r.choices }),
        ...(r.timeoutSeconds === undefined ? {} : { timeoutSeconds: r.timeoutSeconds }),
      }));
  }

  async ask(request: PendingInput): Promise<string | null> {
    const open: OpenRequest = { ...request, requestId: this.#nextId++ };
    this.#open.set(open.requestId, open);
    this.#drainInbox();
    this.#run.details(this.pending());
    const answered = () => open.answer !== undefined;
    try {
      if (request.timeoutSeconds === undefined) {
        await condition(answered);
      } else if (!(await condition(answered, request.timeoutSeconds * 1000))) {
        return null;
      }
      return open.answer as string;
    } finally {
      this.#open.delete(open.requestId);
      this.#run.details(this.pending());
    }
  }

  /** Handles the answer signal: malformed or refused answers are recorded, never thrown. */
  receive(raw: unknown): void {
    const shapeError = answerShapeError(raw);
    if (shapeError !== undefined) {
      this.#run.refuse(raw, shapeError);
      return;
    }
    this.#inbox.push(raw as AnswerInput);
    this.#drainInbox();
  }

  validateUpdate(raw: unknown): void {
    const shapeError = answerShapeError(raw);
    if (shapeError !== undefined) {
      throw new Error(shapeError);
    }
    const answer = raw as AnswerInput;
    const target = this.#target(answer);
    if (target === undefined) {
      throw new Error(
        answer.requestId === undefined
          ? 'No prompt is waiting for an answer. Read the run state and answer when a prompt is pending.'
          : `No prompt with request id ${answer.requestId} is waiting (pending: ${this.pending().map((p) => p.requestId).join(', ') || 'none'}).`,
      );
    }
    const refusal = refusalOf(target, answer.answer);
    if (refusal !== undefined) {
      throw new Error(`Answer ${JSON.stringify(answer.answer)} refused by node '${target.node}': ${refusal}`);
    }
  }

  acceptUpdate(answer: AnswerInput): AnswerAccepted {
    const target = this.#target(answer) as OpenRequest;
    target.answer = answer.answer;
    return { requestId: target.requestId, node: target.node };
  }

  #target(answer: AnswerInput): OpenRequest | undefined {
    const waiting = [...this.#open.values()].filter((r) => r.answer === undefined);
    return answer.requestId === undefined ? waiting[0] : waiting.find((r) => r.requestId === answer.requestId);
  }

  #drainInbox(): void {
    for (let i = 0; i < this.#inbox.length; ) {
      const answer = this.#inbox[i] as AnswerInput;
      const target = this.#target(answer);
      if (target === undefined) {
        if (answer.requestId !== undefined && answer.requestId < this.#nextId) {
          this.#inbox.splice(i, 1);
          this.#run.refuse(answer.answer, `Request ${answer.requestId} is no longer waiting for an answer.`);
        } else {
          i++;
        }
        continue;
      }
      this.#inbox.splice(i, 1);
      const refusal = refusalOf(target, answer.answer);
      if (refusal === undefined) {
        target.answer = answer.answer;
      } else {
        this.#run.refuse(answer.answer, `Answer refused by node '${target.node}': ${refusal}`);
      }
    }
  }
}

function answerShapeError(raw: unknown): string | undefined {
  if (typeof raw !== 'object' || raw === null) {
    return 'An answer must be an object { answer: string, requestId?: number }.';
  }
  const { answer, requestId } = raw as Record<string, unknown>;
  if (typeof answer !== 'string') {
    return `An answer's 'answer' must be a string, got ${answer === undefined ? 'nothing' : typeof answer}.`;
  }
  if (requestId !== undefined && !(typeof requestId === 'number' && Number.isInteger(requestId))) {
    return `An answer's 'requestId' must be a whole number when given, got ${JSON.stringify(requestId)}.`;
  }
  return undefined;
}
