/**
 * What a part of a run changed in the shared store, by path, and how those changes are merged
 * into the run's store: the rule by which a batch flow's param sets, run in child workflows,
 * write the parent's store. Deterministic and workflow-safe.
 */
import { stringify } from 'superjson';
import type { StoreChange } from '../definitions.js';

export type { StoreChange };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Equal as the store carries them (a Date as a Date, a Map by its entries). */
function same(a: unknown, b: unknown): boolean {
  return a === b || stringify(a) === stringify(b);
}

/**
 * The changes that turn `before` into `after`: plain objects are compared key by key, a list that
 * only grew is an append, anything else that differs is set whole.
 */
export function storeChanges(before: unknown, after: unknown, path: string[] = [], out: StoreChange[] = []): StoreChange[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    for (const key of Object.keys(after)) {
      if (Object.hasOwn(before, key)) {
        storeChanges(before[key], after[key], [...path, key], out);
      } else {
        added([...path, key], after[key], out);
      }
    }
    for (const key of Object.keys(before)) {
      if (!Object.hasOwn(after, key)) {
        out.push({ path: [...path, key], deleted: true });
      }
    }
    return out;
  }
  if (Array.isArray(before) && Array.isArray(after) && after.length > before.length && before.every((v, i) => same(v, after[i]))) {
    out.push({ path, appended: after.slice(before.length) });
    return out;
  }
  if (!same(before, after)) {
    out.push({ path, set: after });
  }
  return out;
}

/**
 * A key that was not there: a list counts as appended to an empty one and an object as filled in
 * key by key, so that two parts that each add to a new list or object both keep what they added.
 */
function added(path: string[], value: unknown, out: StoreChange[]): void {
  if (Array.isArray(value)) {
    out.push({ path, appended: value });
  } else if (isPlainObject(value) && Object.keys(value).length > 0) {
    for (const key of Object.keys(value)) {
      added([...path, key], value[key], out);
    }
  } else {
    out.push({ path, set: value });
  }
}

/** Applies changes to `store` in place, in order: later changes to the same path win, appends add up. */
export function applyStoreChanges(store: Record<string, unknown>, changes: readonly StoreChange[]): void {
  for (const change of changes) {
    if (change.path.length === 0) {
      continue;
    }
    let parent: Record<string, unknown> = store;
    for (const key of change.path.slice(0, -1)) {
      const next = Object.hasOwn(parent, key) ? parent[key] : undefined;
      if (!isPlainObject(next)) {
        setOwn(parent, key, {});
      }
      parent = parent[key] as Record<string, unknown>;
    }
    const key = change.path.at(-1) as string;
    if ('deleted' in change) {
      delete parent[key];
    } else if ('appended' in change) {
      const current = Object.hasOwn(parent, key) ? parent[key] : undefined;
      setOwn(parent, key, Array.isArray(current) ? [...(current as unknown[]), ...change.appended] : [...change.appended]);
    } else {
      setOwn(parent, key, change.set);
    }
  }
}

/** Sets an own property, even one named `__proto__` (which plain assignment would take for the prototype). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

/**
 * A place two parts changed in ways that cannot both be kept: a path that one part set or deleted
 * and another part changed too, or changed inside. Appends of several parts to one list combine
 * and are no conflict.
 */
export function conflictingChange(parts: ReadonlyArray<readonly StoreChange[]>): { path: string[]; parts: [number, number] } | undefined {
  // Sorted by path, with the separator below every other character, a path's insides follow it.
  const entries = parts
    .flatMap((changes, part) => changes.map((change) => ({ key: change.path.join('\u0000'), change, part, whole: !('appended' in change) })))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.part - b.part));
  const around: typeof entries = [];
  for (const entry of entries) {
    while (around.length > 0) {
      const outer = around.at(-1) as (typeof entries)[number];
      if (entry.key === outer.key || entry.key.startsWith(`${outer.key}\u0000`)) {
        break;
      }
      around.pop();
    }
    const clash = around.find((outer) => outer.part !== entry.part && (outer.whole || (entry.whole && entry.key === outer.key)));
    if (clash !== undefined) {
      return { path: clash.change.path, parts: [clash.part, entry.part] };
    }
    around.push(entry);
  }
  return undefined;
}
