/** What a run shows while it runs: its status, current nodes and recent steps, by query and in the UI's details. */
import { CancellationScope, condition, log, setCurrentDetails, upsertMemo, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { AnyNode } from '../../core/index.js';
import { portableView } from '../../core/internal.js';
import {
  type FlowRunState,
  NODE_SEARCH_ATTRIBUTE,
  type PendingPrompt,
  type RecordedPrompt,
  STEP_HISTORY_LIMIT,
  TASK_EVENTS_MEMO,
  WAITING_MEMO,
  WAITING_SEARCH_ATTRIBUTE,
  WAITING_STORE_BYTES,
  type WaitingRecord,
} from '../definitions.js';
import { payloadBytes } from './activity-executor.js';

/** Keeps the run's visible state: current nodes, recent steps, refused answers, status. */
export class RunTracker {
  readonly #flow: string;
  readonly #shared: object;
  readonly #current = new Map<AnyNode, string>();
  readonly #recent: FlowRunState['recentSteps'] = [];
  readonly #refused: FlowRunState['refused'] = [];
  readonly #findable: boolean;
  #steps: number;
  #status: FlowRunState['status'] = 'running';
  /** The search attributes' values as last upserted (a run starts not waiting, at no node). */
  #shownNode: string | null = null;
  #shownWaiting = false;
  #pending: PendingPrompt[] = [];
  /** How many answers were refused in all (the kept list is bounded). */
  #refusedCount = 0;
  /** What the waiting record in the memo says, as a key: a run starts waiting for nothing. */
  #recorded = recordKey([], 0);

  readonly #nodeWhileWaitingOnly: boolean;
  /** Whether a change waits to be published (memo and search attributes) as the activation's work settles. */
  #publishDue = false;

  /**
   * `findable`: the run keeps PocketFlowNode and PocketFlowWaiting current (the namespace has them);
   * `nodes`: whether PocketFlowNode follows every node or only the waits for a person.
   */
  constructor(flow: string, shared: object, steps: number, findable = false, nodes: 'every-node' | 'waiting' = 'waiting') {
    this.#flow = flow;
    this.#shared = shared;
    this.#steps = steps;
    this.#findable = findable;
    this.#nodeWhileWaitingOnly = nodes === 'waiting';
    if (findable) {
      // A run that continued as new starts with the values its previous run left.
      const attributes = workflowInfo().typedSearchAttributes;
      this.#shownNode = attributes.get(NODE_SEARCH_ATTRIBUTE) ?? null;
      this.#shownWaiting = attributes.get(WAITING_SEARCH_ATTRIBUTE) ?? false;
    }
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
    // Before the run's last command.
    this.publish();
  }

  /** Records an answer that was refused, so that the sender can read why. */
  refuse(answer: unknown, reason: string): void {
    pushBounded(this.#refused, { answer, reason });
    this.#refusedCount += 1;
    // The reason names the answer when it matters; the log keeps the answer itself out (it may be anything a person typed).
    log.warn(`Refused an answer: ${reason}`);
    this.#publishSoon();
  }

  /**
   * Sets the run's current details in the UI (Markdown): status, current nodes, and for each
   * pending prompt its question, context, allowed answers and how to answer. `pending` replaces
   * the prompts shown when given.
   */
  showDetails(pending?: PendingPrompt[]): void {
    if (pending !== undefined) {
      this.#pending = pending;
    }
    const waiting = this.#status === 'running' && this.#pending.length > 0;
    const lines = [`**Flow \`${this.#flow}\`**: ${waiting ? 'waiting for an answer' : this.#status}`];
    const current = [...new Set(this.#current.values())];
    if (current.length > 0) {
      lines.push(`Current node: ${current.map((node) => `\`${node}\``).join(', ')}`);
    }
    for (const prompt of this.#pending) {
      lines.push(...promptDetails(workflowInfo().workflowId, prompt));
    }
    setCurrentDetails(lines.join('\n\n'));
    this.#publishSoon();
  }

  /**
   * Publishes what operators read with no worker up (the waiting record in the memo, the search
   * attributes) once the activation's work has settled, so that a prompt answered and the next one
   * asked in the same workflow task cost one write, not four. A blocked condition is looked at again
   * only when nothing else is left to run in the activation.
   */
  #publishSoon(): void {
    // Most steps change nothing that is published: they cost no promise here.
    if (this.#publishDue || !this.#unpublished()) {
      return;
    }
    this.#publishDue = true;
    let lookedAt = false;
    // Not cancellable: a run being cancelled still publishes that it no longer waits.
    void CancellationScope.nonCancellable(() =>
      condition(() => {
        const settled = lookedAt;
        lookedAt = true;
        return settled;
      }),
    ).then(() => this.publish());
  }

  /** Publishes now what waits to be published: before the run ends or continues as new. */
  publish(): void {
    if (!this.#publishDue) {
      return;
    }
    this.#publishDue = false;
    this.#recordWaiting();
    const { node, waiting } = this.#shown();
    this.#upsertSearchAttributes(node, waiting);
  }

  /** The node and waiting flag the search attributes should show now. */
  #shown(): { node: string | null; waiting: boolean } {
    const waiting = this.#status === 'running' && this.#pending.length > 0;
    if (waiting) {
      return { node: this.#pending[0]?.node ?? null, waiting };
    }
    if (this.#nodeWhileWaitingOnly) {
      return { node: null, waiting };
    }
    // The node started last is the innermost one running (a nested flow's node, not the flow).
    return { node: [...new Set(this.#current.values())].at(-1) ?? null, waiting };
  }

  /** Whether the waiting record or the search attributes, as they would be now, differ from what was published. */
  #unpublished(): boolean {
    const prompts = this.#status === 'running' ? this.#pending : [];
    if (recordKey(prompts, this.#refusedCount) !== this.#recorded) {
      return true;
    }
    if (!this.#findable) {
      return false;
    }
    const { node, waiting } = this.#shown();
    return node !== this.#shownNode || waiting !== this.#shownWaiting;
  }

  /**
   * Records in the memo what the run waits for, when that changed: readable with no worker up.
   * Each write also holds the events its workflow task told, for readers of the run's history.
   */
  #recordWaiting(): void {
    const prompts = this.#status === 'running' ? this.#pending : [];
    const key = recordKey(prompts, this.#refusedCount);
    if (key === this.#recorded) {
      return;
    }
    this.#recorded = key;
    const workflowId = workflowInfo().workflowId;
    const record: WaitingRecord = {
      node: prompts[0]?.node ?? null,
      prompts: prompts.map((prompt): RecordedPrompt => ({ ...prompt, answerWith: answerCommand(workflowId, prompt) })),
      refused: this.#refused.slice(-5),
    };
    if (prompts.length > 0) {
      const shared = portableView(this.#shared).value;
      const bytes = payloadBytes(shared);
      if (bytes <= WAITING_STORE_BYTES) {
        record.shared = shared;
      } else {
        record.sharedOmitted = `The shared store is ${bytes} bytes, more than a memo keeps; a worker's state query reads it.`;
      }
    }
    // The record of the task's events is filled in as the activation concludes, once the task told all it tells (see task-events.ts).
    upsertMemo({ [WAITING_MEMO]: record, [TASK_EVENTS_MEMO]: null });
  }

  /** Upserts the node running or waiting and whether a person's answer is pending, when they changed. */
  #upsertSearchAttributes(current: string | null, waiting: boolean): void {
    if (!this.#findable) {
      return;
    }
    const updates: Parameters<typeof upsertSearchAttributes>[0] = [];
    if (current !== this.#shownNode) {
      this.#shownNode = current;
      updates.push({ key: NODE_SEARCH_ATTRIBUTE, value: current });
    }
    if (waiting !== this.#shownWaiting) {
      this.#shownWaiting = waiting;
      updates.push({ key: WAITING_SEARCH_ATTRIBUTE, value: waiting });
    }
    if (updates.length > 0) {
      upsertSearchAttributes(updates);
    }
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

/** How a pending prompt reads in the run's current details: the question, its context, the answers, how to answer. */
function promptDetails(workflowId: string, prompt: PendingPrompt): string[] {
  const lines = [`### ${prompt.prompt}`, `Asked by \`${prompt.node}\` (request ${prompt.requestId}).`];
  if (prompt.context !== undefined) {
    lines.push(prompt.context.split('\n').map((line) => `> ${line}`).join('\n'));
  }
  if (prompt.choices !== undefined) {
    lines.push(`Answers: ${prompt.choices.map((choice) => `\`${choice}\``).join(', ')}`);
  }
  const example = prompt.choices?.[0] ?? '...';
  lines.push(
    `Answer with \`${answerCommand(workflowId, prompt)}\`, ` +
      `or here with Send Update \`answerInput\` (Signal \`answer\` while no worker runs): ` +
      `\`${JSON.stringify({ answer: example, requestId: prompt.requestId })}\``,
  );
  return lines;
}

/** The command that answers `prompt` of run `workflowId`, as a person types it in a project's folder. */
function answerCommand(workflowId: string, prompt: PendingPrompt): string {
  return `npx pocketflow-temporal respond ${workflowId} ${prompt.choices?.[0] ?? '<answer>'} --request ${prompt.requestId}`;
}

/** What a waiting record says, as a key: which prompts are pending and how many answers were refused. */
function recordKey(prompts: readonly PendingPrompt[], refused: number): string {
  return `${prompts.map((prompt) => prompt.requestId).join(',')}|${refused}`;
}

function pushBounded<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > STEP_HISTORY_LIMIT) {
    list.shift();
  }
}
