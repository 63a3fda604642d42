/**
 * The names and shapes shared by the workflow and its clients: signals, queries, updates and
 * payload types. Imports no workflow code, so a client can load it without the flows.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate, type Sinks } from '@temporalio/workflow';
import type { Action, FlowEvent, Params, RecordedStep, RerunChoice, ReusableAnswer, RunEvent, StepFrame, Unportable } from '../core/index.js';
import type { TriesUnderWay } from './exec-events.js';

/** The node running or waiting (Keyword), kept current by the run when the namespace has it. */
export const NODE_SEARCH_ATTRIBUTE = defineSearchAttributeKey('PocketFlowNode', SearchAttributeType.KEYWORD);

/** Whether a person's answer is pending (Bool), kept current by the run when the namespace has it. */
export const WAITING_SEARCH_ATTRIBUTE = defineSearchAttributeKey('PocketFlowWaiting', SearchAttributeType.BOOL);

/** The workflow id of the run a fork was started from (Keyword), set when the fork starts. */
export const FORK_SEARCH_ATTRIBUTE = defineSearchAttributeKey('PocketFlowForkOf', SearchAttributeType.KEYWORD);

/** The custom search attributes the runs keep, with the type each is registered with. */
export const FLOW_SEARCH_ATTRIBUTES: Readonly<Record<string, 'Keyword' | 'Bool'>> = {
  [NODE_SEARCH_ATTRIBUTE.name]: 'Keyword',
  [WAITING_SEARCH_ATTRIBUTE.name]: 'Bool',
  [FORK_SEARCH_ATTRIBUTE.name]: 'Keyword',
};

/** What starts a flow run. */
export interface FlowWorkflowInput {
  /** The registered name of the flow (the run's workflow type says it too). */
  flow: string;
  /** The initial shared store. */
  shared: object;
  /** The flow's params. */
  params?: Params;
  /** Set when a run continued as new, or is a fork: where the walk picks up. */
  resume?: ResumePoint;
  /** Set when the run is a fork of another: which run and step, and what it re-uses. */
  fork?: ForkInput;
}

/** What a fork is started with: its source, the step it starts at, and what it may re-use. */
export interface ForkInput {
  /** The workflow id of the source run. */
  of: string;
  /** The source's runs, first to last (more than one when it continued as new). */
  runIds: string[];
  step: number;
  node: string;
  rerun: RerunChoice;
  /** With `answers: 'reuse'`: the answers the source was given from `step` on (small, so carried in the input). */
  answers?: ReusableAnswer[];
}

/** The memo field where a fork records its source, for `status`, `list`, the inbox and the Web UI's Memo tab. */
export const FORK_MEMO = 'fork';

/** What a fork records in its memo (`FORK_MEMO`). */
export interface ForkRecord {
  of: string;
  runId: string;
  step: number;
  node: string;
}

/** The activity type that reads what a fork may re-use from its source's history. */
export const FORK_MEMO_ACTIVITY = 'pocketflowForkMemo';

/** What the fork memo activity reads: the source's runs, and the step from which results may be re-used. */
export interface ForkMemoInput {
  workflowId: string;
  runIds: string[];
  from: number;
}

/** The sink through which a run replayed for its steps hands each step out of the workflow sandbox. */
export interface StepSinks extends Sinks {
  pocketflowSteps: {
    /** A step began: where it stood and the store before it. */
    began(step: RecordedStep): void;
    /** A step finished: all of it. */
    finished(step: RecordedStep): void;
  };
}

/** Where the walk of one flow under way stood, for each flow from the registered one to the innermost (the core's step frame). */
export type FlowFrame = StepFrame;

/** Where a run that continued as new picks up. */
export interface ResumePoint {
  /** Where the walk stood in each flow under way, the registered flow's first. */
  frames: FlowFrame[];
  /** Steps finished by earlier runs. */
  steps: number;
  /** Answers that arrived and were not used yet, with the request ids they name. */
  inbox: AnswerInput[];
  /** The request id the next prompt gets: ids go on across runs, so that answers keep naming the right prompt. */
  nextRequestId: number;
  /** The run's latest events, the offset the next one gets, and the steps started so far: a stream reads on from its offset. */
  events?: CarriedEvents;
}

/** The events a run carries into the next when it continues as new. */
export interface CarriedEvents {
  tail: RunEvent[];
  next: number;
  stepsStarted: number;
}

/** What a finished flow run returns. */
export interface FlowWorkflowResult {
  shared: object;
  /** The flow's last action (what its post returned). */
  action: Action | undefined;
  /** How many steps the run took, runs before a continue-as-new included. */
  steps: number;
}

/** The workflow that runs a registered flow: the bundle's default export, serving every flow's workflow type. */
export type FlowWorkflow = (input: FlowWorkflowInput) => Promise<FlowWorkflowResult>;

/** An answer to a pending prompt. */
export interface AnswerInput {
  answer: string;
  /** The prompt being answered (from the state query); the oldest pending prompt when unset. */
  requestId?: number;
}

/** A prompt waiting for a person, as the state query shows it. */
export interface PendingPrompt {
  requestId: number;
  node: string;
  prompt: string;
  /** What the flow shows beside the question (the recipe in question). */
  context?: string;
  choices?: readonly string[];
  timeoutSeconds?: number;
  /** When the prompt was asked (workflow time, ISO 8601). */
  askedAt?: string;
}

/** An answer the workflow refused, kept so the sender can see why. */
export interface RefusedAnswer {
  answer: unknown;
  reason: string;
}

/** One step the flow took. */
export interface StepRecord {
  node: string;
  action: Action | undefined;
}

/** Everything the state query returns. */
export interface FlowRunState {
  flow: string;
  status: 'running' | 'waiting' | 'completed' | 'failed';
  /** Nodes whose step is under way (several inside parallel batch flows). */
  currentNodes: string[];
  pending: PendingPrompt[];
  /** The shared store; a value that cannot cross a step shows as text saying what it is. */
  shared: object;
  /** Where the shared store holds values that cannot cross a step (the next step fails on them). */
  unportable?: Unportable[];
  /** How many steps finished. */
  steps: number;
  /** The most recent finished steps, oldest first (at most `STEP_HISTORY_LIMIT`). */
  recentSteps: StepRecord[];
  refused: RefusedAnswer[];
}

/**
 * The memo field where a run records what it waits for, kept current as prompts open and close:
 * the server keeps it, so `status`, `list --waiting`, the inbox and the Web UI's Memo tab read it
 * with no worker up (encrypted like any payload when keys are set).
 */
export const WAITING_MEMO = 'waiting';

/** A pending prompt as the run records it, with the command that answers it. */
export interface RecordedPrompt extends PendingPrompt {
  answerWith: string;
}

/** What a run records in its memo about its waiting (`WAITING_MEMO`). */
export interface WaitingRecord {
  /** The node waiting for an answer, or null while the run waits for none. */
  node: string | null;
  prompts: RecordedPrompt[];
  /** The shared store as the wait began; left out past `WAITING_STORE_BYTES` (then `sharedOmitted` says so). */
  shared?: object;
  sharedOmitted?: string;
  /** The answers refused most recently, with why. */
  refused: RefusedAnswer[];
}

/** How large a store the waiting record keeps, in payload bytes (a memo is small). */
export const WAITING_STORE_BYTES = 8192;

/** How many finished steps the state query keeps. */
export const STEP_HISTORY_LIMIT = 100;

/** Why the update was accepted: which prompt it answered. */
export interface AnswerAccepted {
  requestId: number;
  node: string;
}

/** Answers a pending prompt; an invalid answer is recorded in the state's `refused`. */
export const answerSignal = defineSignal<[AnswerInput]>('answer');

/** Answers a pending prompt and tells the sender at once whether it was accepted. */
export const answerUpdate = defineUpdate<AnswerAccepted, [AnswerInput]>('answerInput');

/** The run's current node, pending prompts, shared store and recent steps. */
export const stateQuery = defineQuery<FlowRunState>('state');

/** What exec publishes as it works (text, data, a new try), sent to its run in batches. */
export interface EventBatch {
  events: FlowEvent[];
}

/** Events sent by exec to its run, in batches: the run adds them to its events. */
export const eventsSignal = defineSignal<[EventBatch]>('pocketflowEvents');

/** A page of a run's events from an offset. */
export interface EventPage {
  events: RunEvent[];
  /** The offset to read from next. */
  next: number;
  /** The oldest offset the run still keeps: a reader behind it missed the events between. */
  oldest: number;
  /** True when the run told its last event (finished or failed); false while more may come, and when it continued as new. */
  done: boolean;
  /**
   * Where in the run's history the page was read: the run, and the event that started the last
   * workflow task it had processed. The page holds every event told up to there; only a workflow
   * task completed later can tell more. Absent from pages read by workers of an earlier version.
   */
  readAt?: { runId: string; eventId: number };
  /**
   * On a page that reaches the run's last event: the steps under way and the latest try of each
   * that published, by which the run weighs the events exec sends next. A reader that takes those
   * batches from the history applies the same rule (`StepsUnderWay`) and numbers them as the run
   * does. Absent from pages read by workers of an earlier version.
   */
  underWay?: TriesUnderWay;
}

/**
 * The memo key under which a run records, with each write of its waiting record, the events of the
 * workflow task that wrote it (`TaskEvents`): a reader that follows the run's history takes them
 * from there and need not ask the run (a worker) after each prompt and answer.
 */
export const TASK_EVENTS_MEMO = 'taskEvents';

/** How large a task's events the memo keeps, in payload bytes: a task that told more is read by query. */
export const TASK_EVENTS_BYTES = 8192;

/**
 * The events one workflow task told, as its memo write records them: filled in as the task's
 * activation concludes (`workflow/task-events.ts`), so that it holds all the activation told.
 */
export interface TaskEvents {
  /** The event that started the workflow task (the run's history length as the task ran). */
  task: number;
  /** The offset of the task's first event (`next` when it told none). */
  from: number;
  events: RunEvent[];
  /** The offset of the run's next event, after the task. */
  next: number;
  /** As on an `EventPage` that reaches the end: how the run weighs what exec sends next. */
  underWay: TriesUnderWay;
}

/** A run's events from offset `from` (at most `max`). */
export const eventsQuery = defineQuery<EventPage, [number, number?]>('events');
/** How many events one `events` query answers with at most. */
export const EVENTS_PER_PAGE = 1000;

/** Start-to-close timeout of an exec activity whose node sets none. */
export const DEFAULT_START_TO_CLOSE = '5 minutes';

/** What an exec activity receives. */
export interface ExecActivityInput {
  flow: string;
  node: string;
  params: Params;
  /** What exec receives (left out when it is undefined). */
  input?: unknown;
  /** Which item of a batch node's list this call is for. */
  item?: { index: number; count: number };
  /** The step's number in the run, when the run keeps its events: exec publishes to the run's events as it works. */
  step?: number;
  /** Set for a group of a batch node's items (`temporal.itemsPerActivity`): `input` is their list, items `offset` on of a list of `count`. */
  group?: { offset: number; count: number };
}

/** What a group's activity heartbeats: the results of the items it finished, by item index. */
export interface GroupProgress {
  done: Record<number, unknown>;
}

/** What a fallback activity receives: the exec input and the last error. */
export interface FallbackActivityInput extends ExecActivityInput {
  error: { message: string; type: string };
}

/** The workflow type (and the bundle's export) of a child workflow that runs a chunk of a big batch's items. */
export const BATCH_CHUNK_WORKFLOW_TYPE = 'pocketflowBatchChunk';

/** What a batch chunk's child workflow receives: the node, and its items from `offset` of a list of `count`. */
export interface BatchChunkInput {
  flow: string;
  node: string;
  params: Params;
  items: unknown[];
  offset: number;
  count: number;
}

/** The workflow that runs a chunk of a batch node's items and returns their results in order. */
export type BatchChunkWorkflow = (input: BatchChunkInput) => Promise<unknown[]>;

/** The workflow type (and the bundle's export) of a child workflow that walks a batch flow's graph for a chunk of its param sets. */
export const FLOW_CHUNK_WORKFLOW_TYPE = 'pocketflowBatchFlowChunk';

/** What a batch flow chunk's child workflow receives: the flow, its param sets from `offset`, and the store to start from. */
export interface FlowChunkInput {
  flow: string;
  /** The batch flow: the registered flow itself, or the node of that name inside it. */
  node: string;
  root: boolean;
  params: Params;
  paramSets: Params[];
  offset: number;
  count: number;
  shared: object;
}

/** One change to the store: a value set or deleted at a path, or items appended to a list there. */
export type StoreChange =
  | { path: string[]; set: unknown }
  | { path: string[]; deleted: true }
  | { path: string[]; appended: unknown[] };

/** The workflow that walks a chunk of a batch flow's param sets and returns what they changed in the store. */
export type BatchFlowChunkWorkflow = (input: FlowChunkInput) => Promise<StoreChange[]>;

/** What a workflow function made here says of itself, so that a worker can check the bundle it is given. */
export interface FlowWorkflowMark {
  shape: 'flow' | 'batchChunk' | 'batchFlowChunk';
  /** The names of the flows it serves. */
  flows: string[];
}

/** The property under which a workflow function carries its `FlowWorkflowMark`. */
export const FLOW_WORKFLOW_MARK = 'pocketflowWorkflow';

/** The activity type of a node's fallback. */
export function fallbackActivityName(node: string): string {
  return `${node}.fallback`;
}
