// What may cross a step, in-process: the same values as on Temporal, checked where they are made.
import { describe, expect, it } from 'vitest';
import {
  AsyncFlow,
  AsyncNode,
  AsyncParallelBatchNode,
  assertPortable,
  Flow,
  Node,
  NotSerializableError,
  silentLogger,
} from '../src/core/index.js';
import { portableView } from '../src/core/internal.js';

type Shared = Record<string, unknown>;

class Client {
  send(): void {}
}

describe('values that cross a step', () => {
  it('accepts what the payload converter carries exactly, shared references and cycles included', () => {
    const cyclic: Shared = { a: 1 };
    cyclic['self'] = cyclic;
    const shared = { n: 1 };
    for (const value of [
      { d: new Date(5), m: new Map([[{ k: 1 }, new Set([1n])]]), u: undefined, nan: NaN, inf: -Infinity },
      [new Uint8Array([1, 2]), /x+/g, null, 'text', true],
      { a: shared, b: shared },
      cyclic,
      Object.assign(Object.create(null) as object, { plain: true }),
      10n,
      undefined,
    ]) {
      expect(() => assertPortable(value, 'a value')).not.toThrow();
    }
  });

  it('names the path and what is wrong for each kind that cannot cross', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ f: function named() {} }, /a function 'named' at \$\.f,/],
      [{ list: [1, Symbol('s')] }, /a symbol at \$\.list\[1\],/],
      [{ client: new Client() }, /an instance of Client .* at \$\.client,/],
      [{ when: new Date(NaN) }, /an invalid Date at \$\.when,/],
      [{ m: new Map([['k', { e: new Error('x') }]]) }, /an Error \(Error\).* at \$\.m<map entry 0>\.e,/],
      [{ buf: Buffer.from('x') }, /an instance of Buffer .* at \$\.buf,/],
      [{ 'odd key': [new Set([() => 1])] }, /a function at \$\["odd key"\]\[0\]<set entry 0>,/],
    ];
    for (const [value, message] of cases) {
      expect(() => assertPortable(value, 'the exec result', 'N')).toThrow(message);
      expect(() => assertPortable(value, 'the exec result', 'N')).toThrow(/^Node 'N': the exec result holds /);
    }
  });

  it('fails at the step that made the value: an exec result, before post and without fallback', async () => {
    const calls: string[] = [];
    class MakesClient extends AsyncNode<Shared, void, unknown> {
      override async execAsync(): Promise<unknown> {
        calls.push('exec');
        return { out: new Client() };
      }
      override async execFallbackAsync(): Promise<unknown> {
        calls.push('fallback');
        return 'fallback';
      }
      override async postAsync(): Promise<undefined> {
        calls.push('post');
        return undefined;
      }
    }
    const failure = await new AsyncFlow(new MakesClient({ maxRetries: 3 }))
      .runAsync({}, { logger: silentLogger })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(NotSerializableError);
    expect(failure).toMatchObject({ node: 'MakesClient', what: 'the exec result', path: '$.out' });
    expect(calls).toEqual(['exec']);
  });

  it('fails a post that puts a live object in the store before the next node runs', async () => {
    const ran: string[] = [];
    class Keeps extends AsyncNode<Shared> {
      override async postAsync(shared: Shared): Promise<undefined> {
        shared['callback'] = () => 1;
        return undefined;
      }
    }
    class Next extends AsyncNode<Shared> {
      override async execAsync(): Promise<void> {
        ran.push('next');
      }
    }
    const start = new Keeps();
    start.next(new Next());
    await expect(new AsyncFlow(start).runAsync({}, { logger: silentLogger })).rejects.toThrow(
      /^Node 'Keeps': the shared store holds a function at \$\.callback,/,
    );
    expect(ran).toEqual([]);
  });

  it('checks prep results, each batch item, param sets and the store given to a run', async () => {
    class PrepClient extends AsyncNode<Shared, unknown> {
      override async prepAsync(): Promise<unknown> {
        return { c: new Client() };
      }
      override async execAsync(): Promise<void> {}
    }
    await expect(new AsyncFlow(new PrepClient()).runAsync({})).rejects.toThrow(/^Node 'PrepClient': the prep result holds/);

    class Items extends AsyncParallelBatchNode<Shared, number, unknown> {
      override async prepAsync(): Promise<number[]> {
        return [1, 2, 3];
      }
      override async execAsync(item: number): Promise<unknown> {
        return item === 2 ? new Client() : item;
      }
    }
    await expect(new AsyncFlow(new Items()).runAsync({})).rejects.toThrow(
      /^Node 'Items': the exec result of item 2 of 3 holds an instance of Client/,
    );

    class Sync extends Node<Shared> {
      override exec(): void {}
    }
    expect(() => new Flow(new Sync()).run({ started: new Client() })).toThrow(
      /^The shared store given to the run holds an instance of Client .* at \$\.started,/,
    );
  });

  it('keeps Dates, Maps and BigInts in-process exactly as they are', async () => {
    class Stamp extends AsyncNode<Shared, void, { at: Date; seen: Map<string, bigint> }> {
      override async execAsync(): Promise<{ at: Date; seen: Map<string, bigint> }> {
        return { at: new Date(7), seen: new Map([['x', 1n]]) };
      }
      override async postAsync(shared: Shared, _p: void, res: { at: Date; seen: Map<string, bigint> }): Promise<undefined> {
        shared['ms'] = res.at.getTime();
        shared['x'] = (res.seen.get('x') ?? 0n) + 1n;
        return undefined;
      }
    }
    const shared: Shared = {};
    await new AsyncFlow(new Stamp()).runAsync(shared);
    expect(shared).toEqual({ ms: 7, x: 2n });
  });
});

describe('a view of a store that cannot cross', () => {
  it('replaces each offending value with what it was and lists every place, keeping the rest', () => {
    const shared: Shared = { ok: new Date(1), f: () => 1, deep: { list: [new Client(), 2] } };
    shared['self'] = shared;
    const view = portableView(shared);
    expect(view.problems.map((p) => p.path)).toEqual(['$.f', '$.deep.list[0]']);
    const copy = view.value as Shared;
    expect(copy['f']).toBe("<not serialisable: a function 'f'>");
    expect(copy['ok']).toEqual(new Date(1));
    expect(copy['self']).toBe(copy);
    expect(() => assertPortable(copy, 'the view')).not.toThrow();
    expect(shared['f']).toBeTypeOf('function');
    expect(portableView(shared).value).not.toBe(shared);
    const clean = { a: 1 };
    expect(portableView(clean).value).toBe(clean);
  });
});
