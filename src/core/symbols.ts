/**
 * Keys of the members that the core and the Temporal runtime use and users never see. Symbols
 * rather than `#private` fields, because each step runs on a shallow copy of its node
 * (`clone()`), which copies symbol-keyed properties and loses `#private` ones.
 */

/** The run a node's step belongs to (its executor, input source, logger, services). */
export const RUN: unique symbol = Symbol('pocketflow.run');
/** The node's whole lifecycle in an async run: prep, exec (or a flow's walk), post. */
export const RUN_ASYNC: unique symbol = Symbol('pocketflow.runAsync');
/** The node's whole lifecycle in a sync run. */
export const RUN_SYNC: unique symbol = Symbol('pocketflow.runSync');
/** The user's prep, sync or async. */
export const PREP: unique symbol = Symbol('pocketflow.prep');
/** The user's post, sync or async. */
export const POST: unique symbol = Symbol('pocketflow.post');
/** What the node's exec step is in an async run: exec on one input or on each item, or a flow's walk. */
export const EXEC_STEP: unique symbol = Symbol('pocketflow.execStep');
/** The same in a sync run. */
export const EXEC_STEP_SYNC: unique symbol = Symbol('pocketflow.execStepSync');
/** One call of the user's exec, sync or async. */
export const CALL_EXEC: unique symbol = Symbol('pocketflow.callExec');
/** One call of the user's fallback, sync or async. */
export const CALL_FALLBACK: unique symbol = Symbol('pocketflow.callFallback');
/** True when the user overrode the fallback (the default one rethrows). */
export const HAS_FALLBACK: unique symbol = Symbol('pocketflow.hasFallback');
/** True when the node has an exec of its own (the default one does nothing). */
export const HAS_EXEC: unique symbol = Symbol('pocketflow.hasExec');
