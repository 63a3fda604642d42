/**
 * What may cross a step: the values that a run's payloads carry exactly (plain data, and the few
 * built-in types a payload keeps). Every runtime checks the same values at the same moments with
 * these functions, and hands exec and post copies of what crosses, so a flow behaves alike in all
 * of them, or fails alike.
 */
import type { BatchItem } from './run.js';
import { NotSerializableError, type Unportable } from './errors.js';

/**
 * Throws a NotSerializableError naming the first path in `value` that cannot cross a step. `what`
 * names the value in the message ("the shared store"), `node` the node that made it.
 */
export function assertPortable(value: unknown, what: string, node?: string): void {
  // Most values are primitives or plain objects of primitives: those are checked without a walk.
  if (typeof value === 'object') {
    if (value === null || isFlatPlainObject(value)) {
      return;
    }
    const found = findUnportable(value, new Set());
    if (found !== undefined) {
      throw new NotSerializableError({ what, node, ...foundAt(found) });
    }
  } else if (typeof value === 'function' || typeof value === 'symbol') {
    throw new NotSerializableError({ what, node, path: '$', reason: reasonOf(value) });
  }
}

/**
 * Checks the shared store after a step. Runs every step, so a store whose top-level values are all
 * primitives (its own prototype was checked when the run began) takes no more than a look at each.
 */
export function assertStore(shared: object, node: string): void {
  for (const key in shared) {
    if (isReference((shared as Record<string, unknown>)[key])) {
      assertPortable(shared, 'the shared store', node);
      return;
    }
  }
}

/** True for what `assertPortable` must look into; a string or a number is portable as it is. */
export function isReference(value: unknown): boolean {
  return typeof value === 'object' ? value !== null : typeof value === 'function' || typeof value === 'symbol';
}

/** Checks a node's exec result (or one batch item's) where it is made, before post receives it. */
export function assertExecResult(node: string, result: unknown, item?: BatchItem): void {
  if (isReference(result)) {
    assertPortable(result, item === undefined ? 'the exec result' : `the exec result of item ${item.index + 1} of ${item.count}`, node);
  }
}

/** True for a plain object whose values are all strings, numbers, booleans, BigInts, null or undefined. */
function isFlatPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto !== Object.prototype && proto !== null) {
    return false;
  }
  for (const key in value) {
    if (isReference((value as Record<string, unknown>)[key])) {
      return false;
    }
  }
  return true;
}

/**
 * A copy of `value` in which each value that cannot cross a step is replaced by a string saying
 * what it was, with the list of those places: what a query can still answer with.
 */
export function portableView<T>(value: T): { value: T; problems: Unportable[] } {
  const problems: Unportable[] = [];
  const copy = portableCopy(value, '$', new Map(), problems);
  return { value: (problems.length === 0 ? value : copy) as T, problems };
}

/**
 * A deep copy of a value that can cross a step (check it first): what the other side of a step
 * receives, as a payload would carry it. Shared references and cycles stay shared in the copy.
 */
export function copyPortable<T>(value: T): T {
  if (!isReference(value)) {
    return value;
  }
  // Most values crossing a step are flat records (params, small results): a spread copies them.
  if (isFlatPlainObject(value as object)) {
    return { ...value };
  }
  return portableCopy(value, '$', new Map(), []) as T;
}

/** A step of a path back from the offending value; joined only when there is one to report. */
interface Found {
  reason: string;
  keys: PathKey[];
}

/** A property name, an array index, or an entry of a Map or Set (written as is). */
type PathKey = string | number | { entry: string };

function foundAt(found: Found): Unportable {
  return { path: pathOf(found.keys.reverse()), reason: found.reason };
}

function pathOf(keys: readonly PathKey[], root = '$'): string {
  let path = root;
  for (const key of keys) {
    path += typeof key === 'object' ? key.entry : typeof key === 'number' ? `[${key}]` : propertyPath(key);
  }
  return path;
}

function propertyPath(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** Returns why and where `value` cannot cross (keys innermost first), or undefined when it can. */
function findUnportable(value: object, seen: Set<object>): Found | undefined {
  if (seen.has(value)) {
    // Shared references and cycles are carried as such.
    return undefined;
  }
  seen.add(value);
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === Array.prototype) {
    const array = value as unknown[];
    for (let i = 0; i < array.length; i++) {
      const found = findInChild(array[i], seen);
      if (found !== undefined) {
        found.keys.push(i);
        return found;
      }
    }
    return undefined;
  }
  if (proto === Object.prototype || proto === null) {
    for (const key in value) {
      const found = findInChild((value as Record<string, unknown>)[key], seen);
      if (found !== undefined) {
        found.keys.push(key);
        return found;
      }
    }
    return undefined;
  }
  if (value instanceof Map && proto === Map.prototype) {
    let i = 0;
    for (const [key, child] of value) {
      const found = findInChild(key, seen) ?? findInChild(child, seen);
      if (found !== undefined) {
        found.keys.push({ entry: `<map entry ${i}>` });
        return found;
      }
      i++;
    }
    return undefined;
  }
  if (value instanceof Set && proto === Set.prototype) {
    let i = 0;
    for (const child of value) {
      const found = findInChild(child, seen);
      if (found !== undefined) {
        found.keys.push({ entry: `<set entry ${i}>` });
        return found;
      }
      i++;
    }
    return undefined;
  }
  const reason = leafReason(value, proto);
  return reason === undefined ? undefined : { reason, keys: [] };
}

function findInChild(child: unknown, seen: Set<object>): Found | undefined {
  if (typeof child === 'object') {
    return child === null ? undefined : findUnportable(child, seen);
  }
  if (typeof child === 'function' || typeof child === 'symbol') {
    return { reason: reasonOf(child), keys: [] };
  }
  return undefined;
}

/** Why an object that is neither a container nor plain cannot cross, or undefined when it can. */
function leafReason(value: object, proto: object | null): string | undefined {
  if (proto === Date.prototype) {
    return Number.isNaN((value as Date).getTime()) ? 'an invalid Date' : undefined;
  }
  if (proto === RegExp.prototype) {
    return undefined;
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView) && proto === typedArrayProto(value)) {
    return undefined;
  }
  if (value instanceof Error) {
    return `an Error (${value.name}); keep its message instead: { name, message }`;
  }
  const kind = (value as { constructor?: { name?: string } }).constructor?.name;
  return `an instance of ${kind === undefined || kind === '' ? 'a class' : kind} (only plain objects keep their shape; convert it to plain data, or pass live objects through services)`;
}

/** The prototype of the built-in typed array `value` claims to be (a Node Buffer is not one). */
function typedArrayProto(value: ArrayBufferView): object | undefined {
  const name = Object.prototype.toString.call(value).slice(8, -1);
  const ctor = (globalThis as Record<string, unknown>)[name];
  return typeof ctor === 'function' ? (ctor.prototype as object) : undefined;
}

function reasonOf(value: unknown): string {
  if (typeof value === 'function') {
    return `a function${value.name ? ` '${value.name}'` : ''}`;
  }
  return 'a symbol';
}

/**
 * Copies `value`, replacing what cannot cross with a description, and records where. Shared
 * references and cycles are kept as such in the copy.
 */
function portableCopy(value: unknown, path: string, copies: Map<object, unknown>, problems: Unportable[]): unknown {
  if (typeof value === 'function' || typeof value === 'symbol') {
    return replaced(path, reasonOf(value), problems);
  }
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  if (copies.has(value)) {
    return copies.get(value);
  }
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === Array.prototype) {
    const copy: unknown[] = [];
    copies.set(value, copy);
    (value as unknown[]).forEach((child, i) => copy.push(portableCopy(child, `${path}[${i}]`, copies, problems)));
    return copy;
  }
  if (proto === Object.prototype || proto === null) {
    const copy: Record<string, unknown> = {};
    copies.set(value, copy);
    for (const key in value) {
      copy[key] = portableCopy((value as Record<string, unknown>)[key], path + propertyPath(key), copies, problems);
    }
    return copy;
  }
  if (value instanceof Map && proto === Map.prototype) {
    const copy = new Map<unknown, unknown>();
    copies.set(value, copy);
    let i = 0;
    for (const [k, v] of value) {
      const at = `${path}<map entry ${i++}>`;
      copy.set(portableCopy(k, at, copies, problems), portableCopy(v, at, copies, problems));
    }
    return copy;
  }
  if (value instanceof Set && proto === Set.prototype) {
    const copy = new Set<unknown>();
    copies.set(value, copy);
    let i = 0;
    for (const v of value) {
      copy.add(portableCopy(v, `${path}<set entry ${i++}>`, copies, problems));
    }
    return copy;
  }
  const reason = leafReason(value, proto);
  const copy = reason === undefined ? copyLeaf(value) : replaced(path, reason, problems);
  copies.set(value, copy);
  return copy;
}

/** A copy of a Date, RegExp or typed array. */
function copyLeaf(value: object): object {
  if (value instanceof Date) {
    return new Date(value.getTime());
  }
  if (value instanceof RegExp) {
    return new RegExp(value.source, value.flags);
  }
  return (value as Uint8Array).slice();
}

function replaced(path: string, reason: string, problems: Unportable[]): string {
  problems.push({ path, reason });
  return `<not serialisable: ${reason}>`;
}
