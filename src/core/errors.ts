/**
 * Every error the core throws on purpose. Each has a stable `name` (what a runtime matches on where
 * the error crosses a process boundary), typed fields, and a message that says what broke, where,
 * and what to do.
 */

/** The base of every error this library throws. */
export class PocketFlowError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Options of `FlowFailure`. */
export interface FlowFailureOptions {
  /** The failure's type where a runtime reports it to clients; default the class's name, `'FlowFailure'`. */
  type?: string;
  /** Values the failure carries to the client that reads it. */
  details?: unknown[];
  cause?: unknown;
}

/**
 * Ends a run on purpose: `throw new FlowFailure('No recipe fits', { type: 'NoRecipe' })` in prep
 * or post. In-process the run throws it, as any error. A durable runtime ends the run with a
 * failure of type `type` that names the flow and the node, where another error thrown by prep or
 * post is taken for a bug that a fixed build repairs, and the run waits for it.
 */
export class FlowFailure extends PocketFlowError {
  readonly type: string;
  readonly details: unknown[];

  constructor(message: string, options: FlowFailureOptions = {}) {
    super(message, { cause: options.cause });
    this.type = options.type ?? this.name;
    this.details = options.details ?? [];
  }
}

/** A graph or node was wired or configured wrongly; raised when the flow is built or prepared. */
export class FlowDefinitionError extends PocketFlowError {
  /** The flow or node at fault, when there is one. */
  readonly node: string | undefined;

  constructor(message: string, node?: string) {
    super(message);
    this.node = node;
  }
}

/** `run()` was called on a node that only has an async lifecycle. */
export class AsyncRunRequiredError extends PocketFlowError {
  readonly node: string;

  constructor(node: string) {
    super(`Node '${node}' is async: call runAsync(shared) instead of run(shared).`);
    this.node = node;
  }
}

/** A synchronous `Flow` reached an async node. */
export class SyncFlowAsyncNodeError extends PocketFlowError {
  readonly flow: string;
  readonly node: string;

  constructor(flow: string, node: string) {
    super(
      `Flow '${flow}' is synchronous but node '${node}' is async. ` +
        `Use AsyncFlow for flows that contain async nodes, and call runAsync(shared).`,
    );
    this.flow = flow;
    this.node = node;
  }
}

/** One place in a value that cannot cross a step, and why. */
export interface Unportable {
  /** Where, from the value's root `$`: `$.recipes[2].seen`. */
  path: string;
  reason: string;
}

/**
 * A value that crosses a step (the shared store, a prep or exec result, params) holds something
 * that a run's payloads cannot carry exactly. Raised in every runtime, where the value is made.
 */
export class NotSerializableError extends PocketFlowError {
  /** What the value is: "the shared store", "the exec result", ... */
  readonly what: string;
  /** The node that made it, when a node did. */
  readonly node: string | undefined;
  readonly path: string;
  readonly reason: string;

  constructor(details: Unportable & { what: string; node?: string | undefined }) {
    const where = details.node === undefined ? capitalize(details.what) : `Node '${details.node}': ${details.what}`;
    super(
      `${where} holds ${details.reason} at ${details.path}, which cannot cross a step. ` +
        `Keep such values plain data (${PORTABLE_KINDS_TEXT}).`,
    );
    this.what = details.what;
    this.node = details.node;
    this.path = details.path;
    this.reason = details.reason;
  }
}


const PORTABLE_KINDS_TEXT =
  'plain objects, arrays, strings, numbers, booleans, null, undefined, BigInt, Date, Map, Set, RegExp and typed arrays';

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A person's answer was refused by the node that asked for it. */
export class InvalidInputError extends PocketFlowError {
  readonly node: string;
  readonly answer: unknown;
  readonly reason: string;

  constructor(node: string, answer: unknown, reason: string) {
    super(`Answer ${JSON.stringify(answer)} refused by node '${node}': ${reason}`);
    this.node = node;
    this.answer = answer;
    this.reason = reason;
  }
}

/** A scripted input source ran out of answers. */
export class NoMoreInputError extends PocketFlowError {
  readonly prompt: string;

  constructor(prompt: string) {
    super(`No scripted answer left for the prompt ${JSON.stringify(prompt)}. Add one more answer to the ScriptedInput.`);
    this.prompt = prompt;
  }
}

/** A node asked a person for input in a run that was given no input source. */
export class NoInputSourceError extends PocketFlowError {
  readonly node: string;

  constructor(node: string) {
    super(
      `Node '${node}' asked a person for input, but this run has no input source. ` +
        `Pass one: runAsync(shared, { input: new TerminalInput() }) or { input: new ScriptedInput([...]) }.`,
    );
    this.node = node;
  }
}

/**
 * A node asked a person for input from its exec, where no person can answer: exec is the work a
 * durable runtime runs apart from the flow, and may run again. Only an AsyncHumanNode's exec waits
 * for a person.
 */
export class InputUnavailableError extends FlowDefinitionError {
  declare readonly node: string;

  constructor(node: string) {
    super(
      `Node '${node}' asked a person for input in exec, where no person can answer (exec is work that runs apart from ` +
        `the flow, and may be tried again). Ask in prep or post, or make the node an AsyncHumanNode, whose exec waits for the answer.`,
      node,
    );
  }
}

/**
 * A node read `this.services` where services are not given: in prep or post, which must do no I/O
 * (a durable runtime replays them), or in the exec of an AsyncHumanNode, which only waits for a person.
 */
export class ServicesUnavailableError extends FlowDefinitionError {
  declare readonly node: string;

  constructor(node: string, where: 'prep or post' | 'a human node') {
    super(
      where === 'prep or post'
        ? `Node '${node}' read this.services outside exec. Services are for exec only: prep and post are the flow's own ` +
            `steps, which must do no I/O (a durable runtime replays them). Call the service in exec and return what post needs.`
        : `Node '${node}' read this.services in the exec of an AsyncHumanNode, which waits for a person and does no I/O. ` +
            `Do the work in a node of its own (an AsyncNode) before or after this one.`,
      node,
    );
  }
}

/**
 * The names of the errors that say a flow is written or run wrongly. Exec does not try them again
 * and its fallback does not get them, in every runtime; across a process boundary they are matched
 * by name.
 */
export const FLOW_MISTAKES: readonly string[] = [
  'FlowDefinitionError',
  'InputUnavailableError',
  'ServicesUnavailableError',
  'NotSerializableError',
  'NoInputSourceError',
  'NoMoreInputError',
];

/** True for an error that says the flow is written or run wrongly (see `FLOW_MISTAKES`). */
export function isFlowMistake(error: unknown): boolean {
  return error instanceof PocketFlowError && FLOW_MISTAKES.includes(error.name);
}

/** Formats names as `'a', 'b'`, or `none` for an empty list. */
export function quoteList(names: readonly string[]): string {
  return names.length === 0 ? 'none' : names.map((n) => `'${n}'`).join(', ');
}

/** A short description of a value for error messages: `the string "x"`, `an instance of Map`, `number 3`. */
export function describeValue(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (value === undefined) {
    return 'undefined';
  }
  if (typeof value === 'string') {
    return `the string ${JSON.stringify(value)}`;
  }
  if (typeof value === 'function') {
    return `a function${value.name ? ` '${value.name}'` : ''}`;
  }
  if (typeof value === 'object') {
    const ctor = (value as object).constructor;
    return ctor && ctor !== Object ? `an instance of ${ctor.name}` : 'a plain object';
  }
  return `${typeof value} ${String(value)}`;
}

