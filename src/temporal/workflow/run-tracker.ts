/** What a run shows while it runs: its status, current nodes and recent steps, by query and in the UI's details. */
import { log, setCurrentDetails } from '@temporalio/workflow';
import type { AnyNode } from '../../core/index.js';
import { portableView } from '../../core/internal.js';
import { type FlowRunState, type PendingPrompt, STEP_HISTORY_LIMIT } from '../definitions.js';

/** Keeps the run's visible state: current nodes, recent steps, refused answers, status. */
export class RunTracker {
  readonly #flow: string;
  readonly #shared: object;
  readonly #current = new Map<AnyNode, string>();
  readonly #recent: FlowRunState['recentSteps'] = [];
  readonly #refused: FlowRunState['refused'] = [];
  #steps: number;
  #status: FlowRunState['status'] = 'running';

  constructor(flow: string, shared: object, steps: number) {
    this.#flow = flow;
    this.#shared = shared;
    this.#steps = steps;
  }

  /** Steps finished so far, runs before a continue-as-new included. */
  get steps(): number {
    return this.#steps;
  }

  onStepStart(node: AnyNode): void {
    this.#current.set(node, node.name);
    this.showDetails();
  }

  onStepEnd(node: AnyNode, action: string | undefined): void {
    this.#current.delete(node);
    this.#steps += 1;
    pushBounded(this.#recent, { node: node.name, action });
  }

  finish(status: 'completed' | 'failed'): void {
    this.#status = status;
    this.#current.clear();
    this.showDetails([]);
  }

  /** Records an answer that was refused, so that the sender can read why. */
  refuse(answer: unknown, reason: string): void {
    pushBounded(this.#refused, { answer, reason });
    log.warn(`Refused an answer: ${reason}`, { answer });
  }

  /** Sets the run's current details in the UI: status, current nodes, pending prompts. */
  showDetails(pending?: PendingPrompt[]): void {
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
    // A post may have put something in the store that no payload carries: the answer says so instead of failing.
    const shared = portableView(this.#shared);
    return {
      flow: this.#flow,
      status,
      currentNodes: [...new Set(this.#current.values())],
      pending,
      shared: shared.value,
      ...(shared.problems.length === 0 ? {} : { unportable: shared.problems }),
      steps: this.#steps,
      recentSteps: [...this.#recent],
      refused: [...this.#refused],
    };
  }
}

function pushBounded<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > STEP_HISTORY_LIMIT) {
    list.shift();
  }
}
