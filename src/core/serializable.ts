import { NotSerializableError } from './errors.js';

/**
 * Throws a NotSerializableError naming the first path in `value` that would not survive a
 * JSON round trip (functions, symbols, BigInts, non-finite numbers, class instances, Maps,
 * Sets, Dates, cycles). `what` names the value in the message, e.g. "The shared store".
 */
export function assertJsonSerializable(value: unknown, what: string): void {
  const reason = findNonJson(value, '$', new Set());
  if (reason !== undefined) {
    throw new NotSerializableError(what, reason.path, reason.reason);
  }
}

function findNonJson(
  value: unknown,
  path: string,
  ancestors: Set<object>,
): { path: string; reason: string } | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : { path, reason: `${value} is not a finite number` };
    case 'bigint':
      return { path, reason: 'a BigInt (store it as a string)' };
    case 'symbol':
      return { path, reason: 'a symbol' };
    case 'function':
      return { path, reason: `a function${value.name ? ` '${value.name}'` : ''}` };
  }
  if (value === null) {
    return undefined;
  }
  const object = value as object;
  if (ancestors.has(object)) {
    return { path, reason: 'a cycle (the object contains itself)' };
  }
  if (Array.isArray(object)) {
    ancestors.add(object);
    for (let i = 0; i < object.length; i++) {
      const found = findNonJson(object[i], `${path}[${i}]`, ancestors);
      if (found !== undefined) {
        return found;
      }
    }
    ancestors.delete(object);
    return undefined;
  }
  const proto = Object.getPrototypeOf(object);
  if (proto !== Object.prototype && proto !== null) {
    const kind = (object as { constructor?: { name?: string } }).constructor?.name ?? 'an unknown class';
    return { path, reason: `an instance of ${kind} (only plain objects survive; convert it to plain data)` };
  }
  ancestors.add(object);
  for (const [key, child] of Object.entries(object)) {
    const childPath = /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
    const found = findNonJson(child, childPath, ancestors);
    if (found !== undefined) {
      return found;
    }
  }
  ancestors.delete(object);
  return undefined;
}
