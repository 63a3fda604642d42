// The rule by which param sets walked in child workflows write the run's shared store: what each
// part changed, by path, merged in param-set order.
import { describe, expect, it } from 'vitest';
import { applyStoreChanges, conflictingChange, storeChanges } from '../src/temporal/workflow/store-changes.js';

describe('store changes', () => {
  it('records keys set, deleted and changed deep inside objects, and nothing for what stayed', () => {
    const before = { a: 1, b: { c: 2, d: 3 }, gone: true, same: [1, 2] };
    const after = { a: 1, b: { c: 5, d: 3 }, added: 'x', same: [1, 2] };
    expect(storeChanges(before, after)).toEqual([
      { path: ['b', 'c'], set: 5 },
      { path: ['added'], set: 'x' },
      { path: ['gone'], deleted: true },
    ]);
  });

  it('records a list that only grew as an append, and one that changed otherwise as a whole', () => {
    expect(storeChanges({ l: [1] }, { l: [1, 2, 3] })).toEqual([{ path: ['l'], appended: [2, 3] }]);
    expect(storeChanges({ l: [1, 2] }, { l: [2] })).toEqual([{ path: ['l'], set: [2] }]);
  });

  it('compares values the store carries exactly: a Date by its time, a Map by its entries', () => {
    expect(storeChanges({ d: new Date(5) }, { d: new Date(5) })).toEqual([]);
    expect(storeChanges({ m: new Map([['k', 1]]) }, { m: new Map([['k', 2]]) })).toEqual([{ path: ['m'], set: new Map([['k', 2]]) }]);
  });

  it('merges parts that each wrote their own keys, or appended to one list, as the parts run in order', () => {
    const start = { results: {}, log: ['start'] };
    const partOne = storeChanges(start, { results: { a: 1 }, log: ['start', 'a'] });
    const partTwo = storeChanges(start, { results: { b: 2 }, log: ['start', 'b'], fresh: ['b'] });
    const partThree = storeChanges(start, { results: { c: 3 }, log: ['start', 'c'], fresh: ['c'] });
    const store: Record<string, unknown> = structuredClone(start);
    for (const part of [partOne, partTwo, partThree]) {
      applyStoreChanges(store, part);
    }
    expect(store).toEqual({ results: { a: 1, b: 2, c: 3 }, log: ['start', 'a', 'b', 'c'], fresh: ['b', 'c'] });
  });

  it('lets the later part win where two parts set the same key', () => {
    const store: Record<string, unknown> = { winner: 'none' };
    applyStoreChanges(store, storeChanges({ winner: 'none' }, { winner: 'first' }));
    applyStoreChanges(store, storeChanges({ winner: 'none' }, { winner: 'second' }));
    expect(store).toEqual({ winner: 'second' });
  });

  it('turns the store before into the store after, whatever changed', () => {
    const before = { a: 1, list: [1, 2, 3], nested: { keep: true, drop: 1, deep: { x: [1] } }, gone: 'x', when: new Date(1) };
    const after = { a: 2, list: [3], nested: { keep: true, deep: { x: [1, 2], y: undefined } }, added: { k: [] }, when: new Date(2) };
    const store: Record<string, unknown> = structuredClone(before);
    applyStoreChanges(store, storeChanges(before, after));
    expect(store).toEqual(after);
  });

  it('keeps a key named __proto__ as a key of the store, never the prototype', () => {
    const store: Record<string, unknown> = {};
    applyStoreChanges(store, [{ path: ['__proto__', 'polluted'], set: true }]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(store)).toBe(Object.prototype);
    expect(Object.hasOwn(store, '__proto__')).toBe(true);
  });
});

describe('conflicts between parts', () => {
  it('finds the same key set by two parts, or a key set around another part’s change', () => {
    expect(conflictingChange([[{ path: ['total'], set: 3 }], [{ path: ['total'], set: 4 }]])).toEqual({ path: ['total'], parts: [0, 1] });
    expect(conflictingChange([[{ path: ['items'], set: [] }], [{ path: ['items', 'a'], set: 1 }]])).toEqual({ path: ['items'], parts: [0, 1] });
    expect(conflictingChange([[{ path: ['log'], appended: ['a'] }], [{ path: ['log'], set: [] }]])).toEqual({ path: ['log'], parts: [0, 1] });
  });

  it('finds none where parts write their own keys or append to one list', () => {
    expect(
      conflictingChange([
        [{ path: ['results', 'a'], set: 1 }, { path: ['log'], appended: ['a'] }],
        [{ path: ['results', 'b'], set: 2 }, { path: ['log'], appended: ['b'] }],
        [{ path: ['results', 'ab'], set: 3 }],
      ]),
    ).toBeUndefined();
    expect(conflictingChange([[{ path: ['x'], set: 1 }, { path: ['x', 'y'], set: 2 }]])).toBeUndefined();
  });
});
