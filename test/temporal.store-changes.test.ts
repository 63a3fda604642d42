// The rule by which param sets walked in child workflows write the run's shared store: what each
// part changed, by path, merged in param-set order.
import { describe, expect, it } from 'vitest';
import { applyStoreChanges, storeChanges } from '../src/temporal/workflow/store-changes.js';

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
});
