/**
 * A run's steps as it records them, and a run that starts at one of them: time travel. A run
 * records each step it takes (where it stood, its exec calls with input and result, the answers it
 * was given, the store before and after); a fork starts a new run at a recorded step, with the store
 * as it was before that step (edited at will), and re-uses the recorded exec results (and, when
 * asked, answers) wherever the node, item, params and input are the same. Every runtime records and
 * forks through this module.
 */
import { describeValue, FlowDefinitionError, PocketFlowError } from './errors.js';
import type { FlowEvent } from './events.js';
import type { AnyFlow } from './flow.js';
import { type AnyNode, ownNodes, type Params } from './node.js';
import type { BatchItem, Executor, FlowPosition, InputSource, PendingInput, ResumePosition, StepObserver } from './run.js';
import { refusalOf } from './input.js';
import { copyPortable } from './serializable.js';
import { POSITION, STEP_NUMBER } from './symbols.js';

/**
 * Where the walk of one flow under way stood as a step began, for each flow from the run's own to
 * the innermost: the node it runs (in an outer flow, the nested flow being walked), the prep result
 * its post needs at the end, and for a batch flow the index of the param set being walked.
 */
export interface StepFrame {
  /** The node's name, in that flow's own graph. */
  at: string;
  prep: unknown;
  /** The number of the step that runs `at`, when it is a nested flow under way (it goes on, not again). */
  step?: number;
  paramIndex?: number;
}

/** One exec call of a step: its item (a batch node's), the params and input it got, and the result post got (after retries and the fallback). */
export interface RecordedExec {
  item?: number;
  params: Params;
  input: unknown;
  result: unknown;
}

/** An answer a step was given: the prompt as asked, and the answer (null when the wait timed out). */
export interface RecordedAnswer {
  prompt: string;
  choices?: string[];
  answer: string | null;
}

/** One step of a run, as the run recorded it. */
export interface RecordedStep {
  /** The step's number in the run (steps counted as they start, from 1). */
  step: number;
  /** The flows the step runs inside, outermost first, with the param set's index in a batch flow. */
  path: Array<{ flow: string; paramIndex?: number }>;
  node: string;
  /** The action its post returned (null for none); undefined while the step is under way. */
  action?: string | null;
  /** Its exec calls, one per item for a batch node, in the order they finished. None for a flow (its steps have theirs). */
  execs: RecordedExec[];
  /** How many items a batch node's exec ran on. */
  items?: number;
  answers: RecordedAnswer[];
  /** The shared store as the step began. */
  before: object;
  /** The shared store as the step finished; undefined while it is under way. */
  after?: object;
  /** How many steps had finished when this one began (a nested flow under way is not finished). */
  finishedBefore: number;
  /** Where a run starts to run this step again; undefined inside a parallel batch flow (see `forkAt`). */
  frames?: StepFrame[];
  /** Inside a parallel batch flow: the step of that batch flow, where a fork can start instead. */
  forkAt?: number;
}

/** Whether a fork runs exec again where its input is unchanged: never (`changed`, the default) or always (`all`). */
export type RerunChoice = 'all' | 'changed';

/** Whether a fork asks its prompts again (`ask`, the default) or re-uses an answer where the prompt is identical (`reuse`). */
export type AnswersChoice = 'ask' | 'reuse';

/** An exec result a fork may re-use: the node, item, params and input it was recorded for, and the step it was recorded at. */
export interface ReusableExec extends RecordedExec {
  node: string;
  step: number;
}

/** An answer a fork may re-use, for the node and prompt it was given to. */
export interface ReusableAnswer {
  node: string;
  step: number;
  prompt: string;
  choices?: string[];
  answer: string;
}

/** What a fork may re-use of its source run, recorded at or after the fork's step. */
export interface ForkMemo {
  execs: ReusableExec[];
  answers: ReusableAnswer[];
}

/** How a run starts at a recorded step of another (in-process). */
export interface ForkOptions {
  /** The step to start at: the run begins at its node, in the flows it ran inside, with their prep results. */
  at: RecordedStep;
  /** The source run's steps, whose exec results (and answers) from `at` on may be re-used. */
  from?: readonly RecordedStep[];
  /** `changed` (default): exec runs only where node, item, params or input differ from the source; `all`: every exec runs. */
  rerun?: RerunChoice;
  /** `ask` (default): every prompt is asked again; `reuse`: an answer is re-used where node, prompt and choices are identical. */
  answers?: AnswersChoice;
}

/** A fork that cannot start where it was asked to: a step inside a parallel batch flow, or one out of range. */
export class ForkPointError extends PocketFlowError {
  readonly step: number;

  constructor(step: number, message: string) {
    super(message);
    this.step = step;
  }
}

/** The frames of the walk at `innermost`, outermost flow first; undefined inside a parallel batch flow, which has no single place. */
export function framesOf(innermost: FlowPosition): StepFrame[] | undefined {
  const frames: StepFrame[] = [];
  for (let position: FlowPosition | undefined = innermost; position !== undefined; position = position.parent) {
    if (position.parallel) {
      return undefined;
    }
    frames.unshift({
      at: position.node.name,
      prep: position.prepRes,
      // An outer flow's node is the nested flow under way: its step goes on.
      ...(position === innermost ? {} : { step: position.step }),
      ...(position.paramIndex === undefined ? {} : { paramIndex: position.paramIndex }),
    });
  }
  return frames;
}

/** Why a flow of this build cannot start at a frame: the flow, and the node it was asked to start at. */
export type FrameMismatch = (flow: string, node: string, nested: boolean) => Error;

/**
 * Where each flow begins, given the frames of a walk: the first flow that begins starts at the
 * first frame's node, the nested flow at that node at the second frame's, and so on; flows after
 * the frames run out begin at their start. `mismatch` makes the error for a frame this build's
 * graph does not have.
 */
export function resumeFromFrames(frames: readonly StepFrame[], mismatch: FrameMismatch): (flow: AnyFlow) => ResumePosition | undefined {
  const left = [...frames];
  let previous: StepFrame | undefined;
  return (flow) => {
    const frame = left.shift();
    if (frame === undefined) {
      return undefined;
    }
    // Each frame after the first belongs to the nested flow the frame before it stood at.
    if (previous !== undefined && previous.at !== flow.name) {
      throw mismatch(flow.name, previous.at, true);
    }
    previous = frame;
    const node = ownNodes(flow).find((candidate) => candidate.name === frame.at);
    if (node === undefined) {
      throw mismatch(flow.name, frame.at, false);
    }
    return {
      prepRes: frame.prep,
      node,
      ...(frame.step === undefined ? {} : { step: frame.step }),
      ...(frame.paramIndex === undefined ? {} : { paramIndex: frame.paramIndex }),
    };
  };
}

/**
 * Records a run's steps: an observer for where each step stands and the store around it, an
 * executor around the run's own for exec calls, and a tap on the run's events for answers. Each
 * step is handed to `onStep` when it finishes (a step that fails is not).
 */
export class StepRecorder {
  readonly #onStep: (step: RecordedStep) => void;
  readonly #onBegan: ((step: RecordedStep) => void) | undefined;
  readonly #shared: () => object | undefined;
  readonly #open = new Map<number, RecordedStep>();
  #finished: number;

  /**
   * `shared` returns the run's store (known once the run starts); `finished` counts steps finished
   * before the run; `onBegan` is told each step as it begins (a nested flow's step that an earlier
   * run of a continue-as-new began is told only as it finishes: its `before` is that earlier run's).
   */
  constructor(onStep: (step: RecordedStep) => void, shared: () => object | undefined, options: { finished?: number; onBegan?: (step: RecordedStep) => void } = {}) {
    this.#onStep = onStep;
    this.#onBegan = options.onBegan;
    this.#shared = shared;
    this.#finished = options.finished ?? 0;
  }

  /** Watches the steps, and hands each on to `inner` too. */
  observer(inner: StepObserver | undefined): StepObserver {
    return {
      onStepStart: (step) => {
        this.#start(step);
        inner?.onStepStart?.(step);
      },
      onStepEnd: (step, action) => {
        inner?.onStepEnd?.(step, action);
        this.#end(step, action);
      },
      onStepError: (step, error) => {
        this.#open.delete(step[STEP_NUMBER]);
        inner?.onStepError?.(step, error);
      },
    };
  }

  /** The run's executor, with each exec call's input and result recorded on its step. */
  executor(inner: Executor): Executor {
    const record = (step: AnyNode, item: BatchItem | undefined, input: unknown, result: unknown): void => {
      const open = this.#open.get(step[STEP_NUMBER]);
      if (open === undefined) {
        return;
      }
      open.execs.push({ ...(item === undefined ? {} : { item: item.index }), params: copyPortable(step.params), input: copyPortable(input), result: copyPortable(result) });
    };
    return {
      ...(inner.settlesResults === undefined ? {} : { settlesResults: inner.settlesResults }),
      exec: async (step, input, item) => {
        const result = await inner.exec(step, input, item);
        record(step, item, input, result);
        return result;
      },
      ...(inner.execBatch === undefined
        ? {}
        : {
            execBatch: (step, items) => {
              const elsewhere = inner.execBatch?.(step, items);
              return elsewhere?.then((results) => {
                results.forEach((result, index) => record(step, { index, count: items.length }, items[index], result));
                return results;
              });
            },
          }),
      ...(inner.execItems === undefined
        ? {}
        : {
            execItems: (step, items, offset, count) =>
              inner.execItems?.(step, items, offset, count)?.then((results) => {
                results.forEach((result, index) => record(step, { index: offset + index, count }, items[index], result));
                return results;
              }),
          }),
      ...(inner.walkBatch === undefined ? {} : { walkBatch: (flow, shared, paramSets) => inner.walkBatch?.(flow, shared, paramSets) }),
    };
  }

  /** Takes the answers from the run's events: each `answered` event, with the prompt its `waiting` event asked. */
  tap(event: FlowEvent): void {
    if (event.type === 'waiting') {
      const open = this.#open.get(event.step);
      open?.answers.push({ prompt: event.prompt, ...(event.choices === undefined ? {} : { choices: [...event.choices] }), answer: null });
    } else if (event.type === 'answered') {
      const open = this.#open.get(event.step);
      const asked = open?.answers.filter((answer) => answer.answer === null).at(-1);
      if (asked !== undefined) {
        asked.answer = event.answer;
      }
    }
  }

  #start(step: AnyNode): void {
    const position = step[POSITION];
    const path: RecordedStep['path'] = [];
    let forkAt: number | undefined;
    for (let at = position; at !== undefined; at = at.parent) {
      path.unshift({ flow: at.flow.name, ...(at.paramIndex === undefined ? {} : { paramIndex: at.paramIndex }) });
      if (at.parallel) {
        forkAt = at.parent?.step;
      }
    }
    const frames = position === undefined ? undefined : framesOf(position);
    const shared = this.#shared();
    const record: RecordedStep = {
      step: step[STEP_NUMBER],
      path,
      node: step.name,
      execs: [],
      answers: [],
      before: shared === undefined ? {} : copyPortable(shared),
      finishedBefore: this.#finished,
      ...(frames === undefined ? {} : { frames: copyPortable(frames) }),
      ...(forkAt === undefined ? {} : { forkAt }),
    };
    this.#open.set(record.step, record);
    this.#onBegan?.(record);
  }

  #end(step: AnyNode, action: string | undefined): void {
    this.#finished += 1;
    const record = this.#open.get(step[STEP_NUMBER]);
    if (record === undefined) {
      return;
    }
    this.#open.delete(record.step);
    record.action = action ?? null;
    const shared = this.#shared();
    record.after = shared === undefined ? {} : copyPortable(shared);
    if (step.batchMode !== 'none' && !('startNode' in step)) {
      record.items = record.execs.length;
    }
    // A parallel batch's items finish in any order: the record keeps them in item order.
    record.execs.sort((a, b) => (a.item ?? 0) - (b.item ?? 0));
    this.#onStep(record);
  }
}

/** What a fork may re-use of `steps`, recorded at or after step `from`: their exec results, and their answers. */
export function forkMemoOf(steps: readonly RecordedStep[], from: number): ForkMemo {
  const memo: ForkMemo = { execs: [], answers: [] };
  for (const step of [...steps].sort((a, b) => a.step - b.step)) {
    if (step.step < from) {
      continue;
    }
    for (const exec of step.execs) {
      memo.execs.push({ node: step.node, step: step.step, ...exec });
    }
    for (const answer of step.answers) {
      if (answer.answer !== null) {
        memo.answers.push({ node: step.node, step: step.step, prompt: answer.prompt, ...(answer.choices === undefined ? {} : { choices: answer.choices }), answer: answer.answer });
      }
    }
  }
  return memo;
}

/**
 * What a fork re-uses as it runs: recorded exec results for the same node, item, params and input
 * (each used once, in the order they were recorded), and answers for the same node, prompt and
 * choices when it re-uses answers.
 */
export class ForkReuse {
  readonly #execs = new Map<string, unknown[]>();
  readonly #answers = new Map<string, string[]>();
  /** The nodes the memo has exec results for. */
  readonly #nodes = new Set<string>();
  readonly #rerun: RerunChoice;

  constructor(memo: ForkMemo, rerun: RerunChoice = 'changed', answers: AnswersChoice = 'ask') {
    this.#rerun = rerun;
    if (rerun === 'changed') {
      for (const exec of memo.execs) {
        push(this.#execs, execKey(exec.node, exec.item, exec.params, exec.input), exec.result);
        this.#nodes.add(exec.node);
      }
    }
    if (answers === 'reuse') {
      for (const answer of memo.answers) {
        push(this.#answers, answerKey(answer.node, answer.prompt, answer.choices), answer.answer);
      }
    }
  }

  /** The run's executor, answering from the memo where it can; a node that opts out (`rerunInForks`) always runs. */
  executor(inner: Executor): Executor {
    if (this.#rerun === 'all' || this.#execs.size === 0) {
      return inner;
    }
    const reused = (step: AnyNode, input: unknown, item: BatchItem | undefined): { result: unknown } | undefined => {
      if (step.waitsForPerson || step.options.rerunInForks === true) {
        return undefined;
      }
      const results = this.#execs.get(execKey(step.name, item?.index, step.params, input));
      if (results === undefined || results.length === 0) {
        return undefined;
      }
      return { result: copyPortable(results.shift()) };
    };
    return {
      ...inner,
      exec: (step, input, item) => {
        const hit = reused(step, input, item);
        return hit === undefined ? inner.exec(step, input, item) : Promise.resolve(hit.result);
      },
      // A batch that the memo has results for runs here, where each item may be re-used; another may run elsewhere.
      ...(inner.execBatch === undefined
        ? {}
        : { execBatch: (step, items) => (this.#nodes.has(step.name) ? undefined : inner.execBatch?.(step, items)) }),
      ...(inner.execItems === undefined
        ? {}
        : { execItems: (step, items, offset, count) => (this.#nodes.has(step.name) ? undefined : inner.execItems?.(step, items, offset, count)) }),
    };
  }

  /** The run's input source, answering from the memo where the prompt is the same and the answer still passes. */
  input(inner: InputSource): InputSource {
    if (this.#answers.size === 0) {
      return inner;
    }
    return {
      ask: (request: PendingInput) => {
        const answers = this.#answers.get(answerKey(request.node, request.prompt, request.choices));
        const answer = answers?.[0];
        if (answer !== undefined && refusalOf(request, answer) === undefined) {
          answers?.shift();
          return Promise.resolve(answer);
        }
        return inner.ask(request);
      },
    };
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list === undefined) {
    map.set(key, [value]);
  } else {
    list.push(value);
  }
}

function execKey(node: string, item: number | undefined, params: Params, input: unknown): string {
  return `${node}\u0000${item ?? -1}\u0000${valueKey(params)}\u0000${valueKey(input)}`;
}

function answerKey(node: string, prompt: string, choices: readonly string[] | undefined): string {
  return `${node}\u0000${prompt}\u0000${choices === undefined ? '' : JSON.stringify(choices)}`;
}

/**
 * A text that two values that cross a step share exactly when they are equal as the store carries
 * them: plain objects by their keys in any order, Dates by their time, Maps and Sets by their entries.
 */
export function valueKey(value: unknown, seen: Set<object> = new Set()): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'boolean':
      return String(value);
    case 'undefined':
      return 'undefined';
    case 'object':
      break;
    default:
      throw new FlowDefinitionError(`A value that cannot cross a step has no key: ${describeValue(value)}.`);
  }
  if (value === null) {
    return 'null';
  }
  if (seen.has(value)) {
    return '<cycle>';
  }
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      return `[${value.map((item) => valueKey(item, seen)).join(',')}]`;
    }
    if (value instanceof Date) {
      return `Date(${value.getTime()})`;
    }
    if (value instanceof RegExp) {
      return `RegExp(${String(value)})`;
    }
    if (value instanceof Map) {
      return `Map{${[...value].map(([k, v]) => `${valueKey(k, seen)}=>${valueKey(v, seen)}`).sort().join(',')}}`;
    }
    if (value instanceof Set) {
      return `Set{${[...value].map((item) => valueKey(item, seen)).sort().join(',')}}`;
    }
    if (ArrayBuffer.isView(value)) {
      return `${value.constructor.name}(${Array.from(value as unknown as ArrayLike<number>).join(',')})`;
    }
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record).sort().map((key) => `${JSON.stringify(key)}:${valueKey(record[key], seen)}`).join(',')}}`;
  } finally {
    seen.delete(value);
  }
}
