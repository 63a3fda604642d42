/**
 * Following a run's history by long poll, so that a reader of its events asks the run (by query,
 * which needs a worker) only once the run may have something new to tell: after a workflow task
 * completed, or once the run closed. A run that waits for a person costs its readers nothing; a
 * workflow task that took only the batches exec sent, or that wrote a record of its events with
 * its waiting record (it asked for or took an answer), tells its events from the history itself.
 */
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { describeFlowRun } from './client.js';
import { eventsSignal, TASK_EVENTS_MEMO } from './definitions.js';

type EventType = proto.temporal.api.enums.v1.EventType;
const EventType = proto.temporal.api.enums.v1.EventType;
type Payload = proto.temporal.api.common.v1.IPayload;

/** Events after which a run's events may have changed. */
const CHANGES = new Set<EventType | null | undefined>([
  EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
  // An update's task that follows a refused one takes the refused task's event ids (a refused update's task is not kept): the acceptance comes after them.
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
]);
/** Closes after which the run tells no more, and no last event either. */
const UNTOLD_CLOSES = new Set<EventType | null | undefined>([
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
]);

/**
 * Events that tell a run nothing and wake nothing in it: a workflow task's own bookkeeping, and a
 * started activity. A failed or timed-out task is tried again with the same events and more.
 */
const QUIET = new Set<EventType | null | undefined>([
  EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
  EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED,
]);
/** What a workflow task's commands write after its completion: what the task did, not what it was told (a marker, a local activity's result, is a kind of its own). */
const COMMANDS = new Set<EventType | null | undefined>([
  EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
  EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED,
  EventType.EVENT_TYPE_TIMER_STARTED,
  EventType.EVENT_TYPE_TIMER_CANCELED,
  EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
  EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED,
  EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED,
  EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
  EventType.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
  EventType.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED,
  EventType.EVENT_TYPE_NEXUS_OPERATION_CANCEL_REQUESTED,
]);
/**
 * What a run is told that its next workflow task takes: a task told any of these did more than take
 * exec's batches. Anything neither here nor among the commands (an update's outcome, a close, a kind
 * of event this code does not know) counts as a change the run is asked about.
 */
const INPUTS = new Set<EventType | null | undefined>([
  EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
  EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED,
  EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
  EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED,
  EventType.EVENT_TYPE_TIMER_FIRED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ADMITTED,
  EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED,
  EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED,
  EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED,
  EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED,
  EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED,
  EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT,
  EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED,
  EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_FAILED,
  EventType.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED,
  EventType.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_FAILED,
  EventType.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_CANCEL_REQUESTED,
]);

/** An update's outcome, written after the workflow task that took it: what the task did, as its commands are. */
const ANSWERS = new Set<EventType | null | undefined>([
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
]);
/** Closes after a workflow task whose last event the run told (its memo may hold it). */
const TOLD_CLOSES = new Set<EventType | null | undefined>([EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED]);

/** What a reader needs of an event of the run followed (quiet events are left out). */
type Noted =
  | { id: number; kind: 'exec'; payloads: Payload[] }
  | { id: number; kind: 'memo'; payload: Payload }
  | { id: number; kind: 'started' | 'completed' | 'command' | 'marker' | 'answer' | 'close' | 'change' | 'input' };

/** What follows a workflow task's completion and was written by it: its commands, an answer's outcome, its memo, the run's close. */
const TRAILING = new Set<Noted['kind']>(['command', 'marker', 'answer', 'memo', 'close', 'change']);

/**
 * What a workflow task after a read told, as a reader takes it from the history: the batches of
 * exec's events it took (and nothing else), or the record of its events its memo write holds
 * (`TaskEvents`, a task that asked or took an answer), for the task that started at `task`.
 */
export type ToldTask = { kind: 'batches'; batches: Payload[][] } | { kind: 'memo'; task: number; payload: Payload; closes: boolean };

/** Workflow tasks after a read whose events the history tells, in order, and where a read of the run would now stand. */
export interface ToldTasks {
  told: ToldTask[];
  readAt: ReadAt;
}

/**
 * A point in what the follower has seen, taken just before a read: the changes counted over the
 * runs of the chain, and the last event seen of the run followed. A query sent after the follower
 * saw an event answers from a run that had processed every workflow task completed up to it.
 */
export interface Mark {
  changes: number;
  runId: string | undefined;
  seen: number;
}

/** Where a reader read the run: the run, and the event that started the last workflow task it had processed. */
export interface ReadAt {
  runId: string;
  eventId: number;
  /** The last event of the task that the reader took from the history (its completion, or what it wrote after), when it did. */
  through?: number;
}

export class HistoryFollower {
  readonly #client: Client;
  readonly #workflowId: string;
  readonly #stop = new AbortController();
  /** Changes seen, over every run followed; those already in the history when following began are not counted. */
  #changes = 0;
  /** The runs followed so far, in the order of the chain. */
  readonly #runs: string[] = [];
  /** The run (its place in #runs) and event id of the latest change seen. */
  #latest = { run: -1, eventId: 0 };
  /** The current run's events a reader may still need (quiet ones left out), and the highest event id seen of it. */
  #noted: Noted[] = [];
  #seen = 0;
  #untoldClose = false;
  #over = false;
  #wake: (() => void)[] = [];
  readonly #started: Promise<void>;

  constructor(client: Client, workflowId: string) {
    this.#client = client;
    this.#workflowId = workflowId;
    this.#started = this.#start();
  }

  /** Resolves once the follower knows where the history stands: a mark taken after it counts every later change. */
  ready(): Promise<void> {
    return this.#started;
  }

  /** What has been seen so far: `changedSince` tells whether the run changed after it. */
  mark(): Mark {
    return { changes: this.#changes, runId: this.#runs.at(-1), seen: this.#seen };
  }

  /** True once the run was terminated, cancelled or timed out. */
  get closedUntold(): boolean {
    return this.#untoldClose;
  }

  /** True once the follower no longer follows (the history could not be read, or the last run of the chain closed): the reader looks for itself. */
  get over(): boolean {
    return this.#over;
  }

  /**
   * Resolves once the run changed after the read taken at `mark`, the follower is over, or
   * `signal` is aborted. With no `read` (a worker of an earlier version says not where it read), any
   * change seen after the mark counts. After a read, only a change the read could not have seen
   * does, however late the follower sees the history: a workflow task completed after the one the
   * read saw, and after what the follower had seen as the read was sent, or the run closed.
   */
  async changedSince(mark: Mark, read: ReadAt | undefined, signal: AbortSignal | undefined): Promise<void> {
    // A reader that waits here needs nothing from before its read (of a worker of an earlier version, nothing it had seen).
    const current = this.#runs.at(-1);
    if (read !== undefined && read.runId === current) {
      this.#forget(read.eventId);
    } else if (read === undefined && mark.runId === current) {
      this.#forget(mark.seen + 1);
    }
    const changed = read === undefined ? () => this.#changes > mark.changes : () => this.#changedAfter(read, mark);
    while (!changed() && !this.#over && !this.#untoldClose && signal?.aborted !== true) {
      await this.#next(signal);
    }
  }

  /**
   * After a read at `read` (a page that reached the run's last event), resolves with the workflow
   * tasks that followed it and whose events the history tells, once there is one; or with
   * undefined once a task may have told more than its history says (it was told more than exec's
   * batches and wrote no record of its events, the run closed or went on in a next run), the
   * follower is over, or `signal` is aborted: the reader then asks the run. A task that took only
   * batches adds to the run's events what the batches hold, as `StepsUnderWay` weighs them; a task
   * that asked for or took an answer writes its events in its memo.
   */
  async toldAfter(read: ReadAt, mark: Mark, signal: AbortSignal | undefined): Promise<ToldTasks | undefined> {
    for (;;) {
      const found = this.#toldAfter(read, mark);
      if (found !== 'wait' || this.#over || this.#untoldClose || signal?.aborted === true) {
        return found === 'wait' ? undefined : found;
      }
      await this.#next(signal);
    }
  }

  /** Resolves once the follower saw more, stopped, or `signal` is aborted. */
  #next(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.#wake.push(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  #toldAfter(read: ReadAt, mark: Mark): ToldTasks | undefined | 'wait' {
    const run = this.#runs.indexOf(read.runId);
    if (run === -1) {
      return 'wait';
    }
    if (run < this.#runs.length - 1) {
      // The run continued as new: its next run is asked.
      return undefined;
    }
    // What the read saw is no longer needed.
    this.#forget(read.eventId);
    if (this.#seen <= read.eventId) {
      return 'wait';
    }
    const noted = this.#noted;
    // The read saw a task this history holds (a refused answer's task is not kept, and the ids it took are given again).
    if (noted[0]?.id !== read.eventId || noted[0].kind !== 'started' || noted[1]?.id !== read.eventId + 1 || noted[1].kind !== 'completed') {
      return undefined;
    }
    const told: ToldTask[] = [];
    let readAt = read;
    const found = (): ToldTasks | undefined => (told.length === 0 ? undefined : { told, readAt });
    // What the read's own task wrote that the follower had seen as the read was sent, the read saw.
    // Not so what it wrote later: a task that waits on a local activity answers queries before it
    // completes, and may tell more once the activity is done (its memo record then says what).
    const known = Math.max(mark.runId === read.runId ? mark.seen : 0, read.through ?? 0);
    let at = 2;
    const own = this.#trailing(at);
    at = own.end;
    const unseen = noted.slice(2, at).filter((event) => event.id > known);
    if (unseen.length > 0) {
      if (own.memo === undefined || own.marked || unseen.some((event) => event.kind === 'change')) {
        return undefined;
      }
      told.push({ kind: 'memo', task: read.eventId, payload: own.memo, closes: own.closes });
      readAt = { ...read, through: (noted[at - 1] as Noted).id };
    }
    // A task's events come whole: what follows its completion shows what it did.
    let batches: Payload[][] = [];
    let started: number | undefined;
    let toldMore = false;
    while (at < noted.length) {
      const event = noted[at++] as Noted;
      if (event.kind === 'exec') {
        batches.push(event.payloads);
      } else if (event.kind === 'input') {
        // Told something else (an activity's result, an answer, a timer): only the task's memo can say what it made of it.
        toldMore = true;
      } else if (event.kind === 'started') {
        started = event.id;
      } else if (event.kind === 'completed' && started === event.id - 1) {
        const task = this.#trailing(at);
        at = task.end;
        if (task.changed) {
          return found();
        }
        if (task.memo !== undefined && !task.marked) {
          told.push({ kind: 'memo', task: started, payload: task.memo, closes: task.closes });
        } else if (toldMore || task.did || task.closes) {
          return found();
        } else {
          told.push({ kind: 'batches', batches });
        }
        readAt = { runId: read.runId, eventId: started, through: (noted[at - 1] as Noted).id };
        batches = [];
        started = undefined;
        toldMore = false;
      } else {
        // A task whose start this follower did not see, or a change out of any task (a termination): the run is asked.
        return found();
      }
    }
    return found() ?? 'wait';
  }

  /**
   * What a workflow task wrote after its completion, from noted event `at` on: its last memo
   * record of its events, whether it did anything (a command, an answer's outcome) or closed the
   * run, whether it wrote something this code does not know, and where the next task's events begin.
   * A task that recorded a marker (a local activity's result) may have run on after its memo write,
   * in an activation of its own: its record is not taken.
   */
  #trailing(at: number): { memo: Payload | undefined; did: boolean; marked: boolean; closes: boolean; changed: boolean; end: number } {
    let memo: Payload | undefined;
    let did = false;
    let marked = false;
    let closes = false;
    let changed = false;
    for (; at < this.#noted.length; at++) {
      const event = this.#noted[at] as Noted;
      if (!TRAILING.has(event.kind)) {
        break;
      }
      if (event.kind === 'memo') {
        memo = event.payload;
      } else if (event.kind === 'close') {
        closes = true;
      } else if (event.kind === 'marker') {
        marked = true;
        did = true;
      } else if (event.kind === 'change') {
        changed = true;
      } else {
        did = true;
      }
    }
    return { memo, did, marked, closes, changed, end: at };
  }

  #changedAfter(read: ReadAt, mark: Mark): boolean {
    const run = this.#runs.indexOf(read.runId);
    if (run === -1) {
      // The read was of a run the follower has not reached: all it has seen is older.
      return false;
    }
    // The task the read saw completed at the event after the one that started it; what the follower had seen as the read was sent, the read saw too.
    const known = mark.runId === read.runId ? mark.seen : 0;
    return this.#latest.run > run || (this.#latest.run === run && this.#latest.eventId > Math.max(read.eventId + 1, known, read.through ?? 0));
  }

  /** Stops following (a long poll in flight is cancelled). */
  close(): void {
    this.#stop.abort();
    this.#notify();
  }

  async #start(): Promise<void> {
    try {
      const { runId, historyLength } = await describeFlowRun(this.#client, this.#workflowId);
      void this.#follow(runId, historyLength);
    } catch {
      this.#end();
    }
  }

  /** Follows run `firstRunId` from after its event `skipUpTo`, and the runs it continued as new into from their first. */
  async #follow(firstRunId: string, skipUpTo: number): Promise<void> {
    let runId: string | undefined = firstRunId;
    let nextPageToken: Uint8Array | undefined;
    try {
      while (runId !== undefined && !this.#stop.signal.aborted) {
        const request = {
          namespace: this.#client.options.namespace,
          execution: { workflowId: this.#workflowId, runId },
          waitNewEvent: true,
          skipArchival: true,
          ...(nextPageToken === undefined ? {} : { nextPageToken }),
        };
        // A signal of its own per call: the connection adds a listener to the signal of each call and never takes it off.
        const call = new AbortController();
        const cancel = (): void => call.abort();
        this.#stop.signal.addEventListener('abort', cancel, { once: true });
        const response = await this.#client.connection
          .withAbortSignal(call.signal, () => this.#client.workflowService.getWorkflowExecutionHistory(request))
          .finally(() => this.#stop.signal.removeEventListener('abort', cancel));
        let changed = false;
        let nextRunId: string | undefined;
        if (this.#runs.at(-1) !== runId) {
          this.#runs.push(runId);
          this.#noted = [];
          this.#seen = 0;
        }
        for (const event of response.history?.events ?? []) {
          const eventId = Number(event.eventId);
          this.#note(event, eventId, skipUpTo);
          if (CHANGES.has(event.eventType)) {
            this.#latest = { run: this.#runs.length - 1, eventId };
            changed = true;
          }
          if (eventId <= skipUpTo) {
            continue;
          }
          if (CHANGES.has(event.eventType)) {
            this.#changes += 1;
          }
          if (UNTOLD_CLOSES.has(event.eventType)) {
            this.#untoldClose = true;
            changed = true;
          }
          nextRunId ||= event.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
        }
        if (changed) {
          this.#notify();
        }
        const token = response.nextPageToken;
        if (token !== undefined && token !== null && token.length > 0) {
          nextPageToken = token;
          continue;
        }
        // The history is complete: the run closed. One that continued as new goes on in its next run, from its first event.
        runId = nextRunId;
        nextPageToken = undefined;
        skipUpTo = 0;
      }
    } catch {
      // Cancelled by close(), or the history could not be read: either way the follower is over.
    }
    this.#end();
  }

  /** Drops what was noted before event `eventId` of the run followed. */
  #forget(eventId: number): void {
    const first = this.#noted.findIndex((noted) => noted.id >= eventId);
    this.#noted.splice(0, first === -1 ? this.#noted.length : first);
  }

  #note(event: proto.temporal.api.history.v1.IHistoryEvent, eventId: number, skipUpTo: number): void {
    // Ids given again (an update's speculative task that was not kept, seen as it ran) replace what was noted under them.
    while ((this.#noted.at(-1)?.id ?? 0) >= eventId) {
      this.#noted.pop();
    }
    this.#seen = eventId;
    const type = event.eventType;
    if (QUIET.has(type)) {
      return;
    }
    if (type === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED && eventId <= skipUpTo) {
      // A read comes after following began, so it saw this task or a later one: what came before is not needed.
      this.#noted = [];
    }
    const signal = event.workflowExecutionSignaledEventAttributes;
    if (type === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED && signal?.signalName === eventsSignal.name) {
      this.#noted.push({ id: eventId, kind: 'exec', payloads: signal.input?.payloads ?? [] });
      return;
    }
    const memo = event.workflowPropertiesModifiedEventAttributes?.upsertedMemo?.fields?.[TASK_EVENTS_MEMO];
    if (memo !== undefined && memo !== null) {
      this.#noted.push({ id: eventId, kind: 'memo', payload: memo });
      return;
    }
    const kind = kindOf(type);
    this.#noted.push({ id: eventId, kind });
  }

  #end(): void {
    this.#over = true;
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = [];
    for (const done of wake) {
      done();
    }
  }
}

/** What an event (neither quiet, nor exec's batch, nor a memo record of a task's events) is to a reader. */
function kindOf(type: EventType | null | undefined): Exclude<Noted['kind'], 'exec' | 'memo'> {
  if (type === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED) {
    return 'started';
  }
  if (type === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) {
    return 'completed';
  }
  if (type === EventType.EVENT_TYPE_MARKER_RECORDED) {
    return 'marker';
  }
  if (COMMANDS.has(type)) {
    return 'command';
  }
  if (ANSWERS.has(type)) {
    return 'answer';
  }
  if (TOLD_CLOSES.has(type)) {
    return 'close';
  }
  return INPUTS.has(type) ? 'input' : 'change';
}

