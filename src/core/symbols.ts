/**
 * Keys of the members that the core and the runtimes use and users never see. Symbols rather than
 * `#private` fields, because each step runs on a shallow copy of its node (`clone()`), which
 * copies symbol-keyed properties and loses `#private` ones.
 */

/** The run a step (or the copy that runs an exec) belongs to: its executor, input source, logger, services. */
export const RUN: unique symbol = Symbol('pocketflow.run');
/** On a step: the node of the graph it is a copy of (exec runs on fresh copies of that node). */
export const SOURCE: unique symbol = Symbol('pocketflow.source');
/** On a step: the position of the walk it is a step of. */
export const POSITION: unique symbol = Symbol('pocketflow.position');
/** True on the copy of a node that runs one exec try (or the fallback). */
export const IN_EXEC: unique symbol = Symbol('pocketflow.inExec');
/** On a node of a graph: warnings found while its edges were wired, reported when its flow is checked. */
export const WIRING_WARNINGS: unique symbol = Symbol('pocketflow.wiringWarnings');
/** The node's whole lifecycle in an async run: prep, exec (or a flow's walk), post. */
export const RUN_ASYNC: unique symbol = Symbol('pocketflow.runAsync');
/** The node's whole lifecycle in a sync run. */
export const RUN_SYNC: unique symbol = Symbol('pocketflow.runSync');
/** The user's prep, sync or async. */
export const PREP: unique symbol = Symbol('pocketflow.prep');
/** The user's post, sync or async. */
export const POST: unique symbol = Symbol('pocketflow.post');
/** One call of the user's exec, sync or async. */
export const CALL_EXEC: unique symbol = Symbol('pocketflow.callExec');
/** One call of the user's fallback, sync or async. */
export const CALL_FALLBACK: unique symbol = Symbol('pocketflow.callFallback');
/** True when the user overrode the fallback (the default one rethrows). */
export const HAS_FALLBACK: unique symbol = Symbol('pocketflow.hasFallback');
/** True when the node has an exec of its own (the default one does nothing). */
export const HAS_EXEC: unique symbol = Symbol('pocketflow.hasExec');
/** On a step: its number in the run (0 for a node or flow run alone, the run itself). */
export const STEP_NUMBER: unique symbol = Symbol('pocketflow.stepNumber');
/** On the copy that runs an exec try: the step, item and try its events are about. */
export const EXEC_PLACE: unique symbol = Symbol('pocketflow.execPlace');
