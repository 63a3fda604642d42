/** A person's answers reach a run as signals or updates; answers that arrive early wait in an inbox. */
import { ApplicationFailure, condition } from '@temporalio/workflow';
import { type InputSource, InvalidInputError, type PendingInput, type PocketFlowError } from '../../core/index.js';
import { refusalOf } from '../../core/internal.js';
import type { AnswerAccepted, AnswerInput, PendingPrompt } from '../definitions.js';
import { MalformedAnswerError, NoPromptWaitingError } from '../errors.js';
import type { RunTracker } from './run-tracker.js';

/** How long an update waits in its handler for the prompt it answers before it fails. */
export const UPDATE_PROMPT_WAIT_MS = 2000;

/** A failure that fails the update (and tells its sender why), not the workflow task. */
function updateFailure(error: PocketFlowError): ApplicationFailure {
  return ApplicationFailure.create({ message: error.message, type: error.name, nonRetryable: true });
}

interface OpenRequest extends PendingInput {
  requestId: number;
  askedAt: string;
  answer?: string;
}

/** The input source of a run on Temporal: `ask` waits durably until a signal or update answers. */
export class SignalInput implements InputSource {
  readonly #run: RunTracker;
  readonly #open = new Map<number, OpenRequest>();
  readonly #inbox: AnswerInput[];
  #nextId: number;

  /**
   * `carried`: what a run that continued as new left: the answers it received and did not use,
   * and the request id its next prompt would have had (ids go on across runs).
   */
  constructor(run: RunTracker, carried: { inbox: AnswerInput[]; nextRequestId: number } = { inbox: [], nextRequestId: 1 }) {
    this.#run = run;
    this.#inbox = [...carried.inbox];
    this.#nextId = carried.nextRequestId;
  }

  /** Answers received and not used yet, with the request ids they name. */
  unread(): AnswerInput[] {
    return [...this.#inbox];
  }

  /** The request id the next prompt gets. */
  get nextRequestId(): number {
    return this.#nextId;
  }

  pending(): PendingPrompt[] {
    return [...this.#open.values()]
      .filter((r) => r.answer === undefined)
      .map((r) => ({
        requestId: r.requestId,
        node: r.node,
        prompt: r.prompt,
        ...(r.context === undefined ? {} : { context: r.context }),
        ...(r.choices === undefined ? {} : { choices: r.choices }),
        ...(r.timeoutSeconds === undefined ? {} : { timeoutSeconds: r.timeoutSeconds }),
        askedAt: r.askedAt,
      }));
  }

  async ask(request: PendingInput): Promise<string | null> {
    // Workflow time: the sandbox's Date is the workflow task's, deterministic on replay.
    const open: OpenRequest = { ...request, requestId: this.#nextId++, askedAt: new Date().toISOString() };
    this.#open.set(open.requestId, open);
    this.#drainInbox();
    this.#run.showDetails(this.pending());
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
      this.#run.showDetails(this.pending());
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

  /**
   * The update's validator: throws, so that the sender is told at once, when the answer cannot be
   * taken: it is malformed, it names a prompt that was already answered, or the prompt it answers
   * refuses it. An answer for a prompt that is not pending yet is accepted and waits in the handler.
   */
  validateUpdate(raw: unknown): void {
    const shapeError = answerShapeError(raw);
    if (shapeError !== undefined) {
      throw new MalformedAnswerError(shapeError);
    }
    const answer = raw as AnswerInput;
    const target = this.#target(answer);
    if (target === undefined) {
      if (answer.requestId !== undefined && answer.requestId < this.#nextId) {
        throw this.#noPromptError(answer);
      }
      return;
    }
    const refusal = refusalOf(target, answer.answer);
    if (refusal !== undefined) {
      throw new InvalidInputError(target.node, answer.answer, refusal);
    }
  }

  /**
   * The update's handler. A worker that has just taken over a run receives the update before the
   * run's code has replayed up to its prompt, so the answer waits (up to `UPDATE_PROMPT_WAIT_MS`)
   * for the prompt it answers, and is then checked as the validator would.
   */
  async acceptUpdate(answer: AnswerInput): Promise<AnswerAccepted> {
    if (this.#target(answer) === undefined) {
      await condition(() => this.#target(answer) !== undefined, UPDATE_PROMPT_WAIT_MS);
    }
    // Another answer may have taken the prompt while this one waited.
    const target = this.#target(answer);
    if (target === undefined) {
      throw updateFailure(this.#noPromptError(answer));
    }
    const refusal = refusalOf(target, answer.answer);
    if (refusal !== undefined) {
      throw updateFailure(new InvalidInputError(target.node, answer.answer, refusal));
    }
    target.answer = answer.answer;
    return { requestId: target.requestId, node: target.node };
  }

  #noPromptError(answer: AnswerInput): NoPromptWaitingError {
    return new NoPromptWaitingError(
      answer.requestId === undefined
        ? 'No prompt is waiting for an answer. Read the run state and answer when a prompt is pending.'
        : `No prompt with request id ${answer.requestId} is waiting (pending: ${this.pending().map((p) => p.requestId).join(', ') || 'none'}).`,
    );
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
        this.#run.refuse(answer.answer, `Node '${target.node}' refused it for request ${target.requestId}: ${refusal}`);
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
