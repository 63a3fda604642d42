// Time travel in-process: the steps a run records, and a run forked from one of them with an edited
// store, re-using the exec results whose node, item, params and input did not change.
import { describe, expect, it } from 'vitest';
import {
  AsyncBatchFlow,
  AsyncFlow,
  AsyncHumanNode,
  AsyncNode,
  AsyncParallelBatchFlow,
  AsyncParallelBatchNode,
  ForkPointError,
  type ForkOptions,
  type Params,
  type RecordedStep,
  ScriptedInput,
  silentLogger,
} from '../src/core/index.js';

type Shared = Record<string, unknown>;
const RECIPES = ['soup', 'stew', 'salad', 'pie'];

/** Counts its calls: the LLM of these tests. */
class Suggest extends AsyncNode<Shared, string[], string> {
  /** Kept in an object: exec runs on a copy of the node, which shares it. */
  readonly counted = { calls: 0 };
  get calls(): number {
    return this.counted.calls;
  }
  override async prepAsync(shared: Shared): Promise<string[]> {
    const rejected = (shared['rejected'] as string[] | undefined) ?? [];
    return RECIPES.filter((recipe) => !rejected.includes(recipe));
  }
  override async execAsync(candidates: string[]): Promise<string> {
    this.counted.calls += 1;
    return candidates[0] as string;
  }
  override async postAsync(shared: Shared, _c: string[], suggestion: string): Promise<string> {
    shared['suggestion'] = suggestion;
    return 'approve';
  }
}

class Approve extends AsyncHumanNode<Shared, string, string> {
  override async prepAsync(shared: Shared): Promise<string> {
    return shared['suggestion'] as string;
  }
  override async execAsync(suggestion: string): Promise<string> {
    return this.getUserInput(`Accept ${suggestion}?`, { choices: ['y', 'n'] });
  }
  override async postAsync(shared: Shared, suggestion: string, answer: string): Promise<string | undefined> {
    if (answer === 'y') {
      shared['accepted'] = suggestion;
      return undefined;
    }
    shared['rejected'] = [...((shared['rejected'] as string[] | undefined) ?? []), suggestion];
    return 'again';
  }
}

function recipeFlow(options: { rerunInForks?: boolean } = {}): { flow: AsyncFlow<Shared>; suggest: Suggest } {
  const suggest = new Suggest(options.rerunInForks === undefined ? {} : { rerunInForks: options.rerunInForks });
  const approve = new Approve();
  suggest.on('approve', approve);
  approve.on('again', suggest);
  return { flow: new AsyncFlow<Shared>({ start: suggest, name: 'Recipes' }), suggest };
}

async function recorded(flow: AsyncFlow<Shared>, answers: string[], shared: Shared = {}): Promise<RecordedStep[]> {
  const steps: RecordedStep[] = [];
  await flow.runAsync(shared, { input: new ScriptedInput(answers), logger: silentLogger, onStep: (step) => steps.push(step) });
  return steps;
}

async function fork(
  flow: AsyncFlow<Shared>,
  shared: Shared,
  answers: string[],
  options: ForkOptions,
): Promise<{ shared: Shared; steps: RecordedStep[]; asked: number }> {
  const steps: RecordedStep[] = [];
  const input = new ScriptedInput(answers);
  await flow.runAsync(shared, { input, logger: silentLogger, onStep: (step) => steps.push(step), fork: options });
  return { shared, steps, asked: input.asked.length };
}

describe('the steps a run records', () => {
  it('lists each step with its node, action, exec input and result, answers, and the store before and after', async () => {
    const { flow } = recipeFlow();
    const steps = await recorded(flow, ['n', 'y']);
    expect(steps.map((s) => [s.step, s.node, s.action])).toEqual([
      [1, 'Suggest', 'approve'],
      [2, 'Approve', 'again'],
      [3, 'Suggest', 'approve'],
      [4, 'Approve', null],
    ]);
    expect(steps[0]).toMatchObject({
      path: [{ flow: 'Recipes' }],
      execs: [{ params: {}, input: RECIPES, result: 'soup' }],
      answers: [],
      before: {},
      after: { suggestion: 'soup' },
      finishedBefore: 0,
      frames: [{ at: 'Suggest', prep: undefined }],
    });
    expect(steps[1]?.answers).toEqual([{ prompt: 'Accept soup?', choices: ['y', 'n'], answer: 'n' }]);
    expect(steps[2]?.execs[0]?.input).toEqual(['stew', 'salad', 'pie']);
    expect(steps[2]?.before).toEqual({ suggestion: 'soup', rejected: ['soup'] });
    expect(steps[3]?.after).toEqual({ suggestion: 'stew', rejected: ['soup'], accepted: 'stew' });
  });

  it('keeps copies: a later step changing the store leaves earlier records as they were', async () => {
    const { flow } = recipeFlow();
    const shared: Shared = {};
    const steps = await recorded(flow, ['n', 'y'], shared);
    (shared['rejected'] as string[]).push('changed later');
    expect(steps[1]?.after).toEqual({ suggestion: 'soup', rejected: ['soup'] });
  });
});

describe('a fork of a recorded run', () => {
  it('at the approval step with the store unchanged re-uses the suggestion and asks the person again', async () => {
    const source = recipeFlow();
    const steps = await recorded(source.flow, ['n', 'y']);
    const forked = recipeFlow();
    const at = steps[1] as RecordedStep;
    const result = await fork(forked.flow, structuredClone(at.before) as Shared, ['n', 'y'], { at, from: steps });
    expect(forked.suggest.calls).toBe(0);
    expect(result.asked).toBe(2);
    expect(result.shared).toEqual({ suggestion: 'stew', rejected: ['soup'], accepted: 'stew' });
    // The fork numbers its steps as the source did from where it starts.
    expect(result.steps.map((s) => [s.step, s.node])).toEqual([
      [2, 'Approve'],
      [3, 'Suggest'],
      [4, 'Approve'],
    ]);
  });

  it('at the suggestion step with an edited rejected list runs exec once and suggests outside the list', async () => {
    const source = recipeFlow();
    const steps = await recorded(source.flow, ['n', 'y']);
    const forked = recipeFlow();
    const at = steps[2] as RecordedStep;
    const shared = { ...structuredClone(at.before), rejected: ['soup', 'stew'] } as Shared;
    const result = await fork(forked.flow, shared, ['y'], { at, from: steps });
    expect(forked.suggest.calls).toBe(1);
    expect(result.shared['accepted']).toBe('salad');
    expect(['soup', 'stew']).not.toContain(result.shared['accepted']);
  });

  it('runs every exec again with rerun all, and a node that opts out runs again with rerun changed', async () => {
    const steps = await recorded(recipeFlow().flow, ['n', 'y']);
    const at = steps[0] as RecordedStep;
    const all = recipeFlow();
    await fork(all.flow, {}, ['n', 'y'], { at, from: steps, rerun: 'all' });
    expect(all.suggest.calls).toBe(2);
    const optedOut = recipeFlow({ rerunInForks: true });
    await fork(optedOut.flow, {}, ['n', 'y'], { at, from: steps });
    expect(optedOut.suggest.calls).toBe(2);
    const changed = recipeFlow();
    await fork(changed.flow, {}, ['n', 'y'], { at, from: steps });
    expect(changed.suggest.calls).toBe(0);
  });

  it('re-uses an answer only where the prompt is identical, with answers reuse', async () => {
    const steps = await recorded(recipeFlow().flow, ['n', 'y']);
    const at = steps[0] as RecordedStep;
    const same = await fork(recipeFlow().flow, {}, [], { at, from: steps, answers: 'reuse' });
    expect(same.asked).toBe(0);
    expect(same.shared['accepted']).toBe('stew');
    // With salad rejected from the start, the prompts differ after the first: "Accept soup?" is re-used, "Accept stew?" too, but
    // a prompt the source never asked is asked.
    const edited = await fork(recipeFlow().flow, { rejected: ['soup'] }, ['y'], { at, from: steps, answers: 'reuse' });
    expect(edited.asked).toBe(0);
    expect(edited.shared).toEqual({ rejected: ['soup'], suggestion: 'stew', accepted: 'stew' });
    const other = await fork(recipeFlow().flow, { rejected: ['soup', 'stew'] }, ['y'], { at, from: steps, answers: 'reuse' });
    expect(other.asked).toBe(1);
    expect(other.shared['accepted']).toBe('salad');
  });

  it('starts inside a nested flow with the outer flow prep result, and the outer post still runs', async () => {
    const { flow: inner, suggest } = recipeFlow();
    class Wrap extends AsyncFlow<Shared, string> {
      override async prepAsync(): Promise<string> {
        return 'from outer prep';
      }
      override async postAsync(shared: Shared, prepRes: string): Promise<undefined> {
        shared['outer'] = prepRes;
        return undefined;
      }
    }
    const outer = new Wrap({ start: inner, name: 'Outer' });
    const steps: RecordedStep[] = [];
    await outer.runAsync({}, { input: new ScriptedInput(['n', 'y']), logger: silentLogger, onStep: (step) => steps.push(step) });
    const at = steps.find((s) => s.node === 'Approve' && s.answers[0]?.answer === 'y') as RecordedStep;
    expect(at.path).toEqual([{ flow: 'Outer' }, { flow: 'Recipes' }]);
    expect(steps.at(-1)).toMatchObject({ node: 'Recipes', step: 1 });
    const rebuiltInner = recipeFlow();
    const rebuilt = new Wrap({ start: rebuiltInner.flow, name: 'Outer' });
    const shared = structuredClone(at.before) as Shared;
    await rebuilt.runAsync(shared, { input: new ScriptedInput(['y']), logger: silentLogger, fork: { at, from: steps } });
    expect(shared).toEqual({ suggestion: 'stew', rejected: ['soup'], accepted: 'stew', outer: 'from outer prep' });
    expect(suggest.calls + rebuiltInner.suggest.calls).toBe(2);
  });

  it('starts at a param set of a batch flow and walks the param sets after it', async () => {
    class Note extends AsyncNode<Shared, Params, string> {
      runs: string[] = [];
      override async prepAsync(): Promise<Params> {
        return this.params;
      }
      override async execAsync(params: Params): Promise<string> {
        this.runs.push(String(params['city']));
        return `visited ${String(params['city'])}`;
      }
      override async postAsync(shared: Shared, _p: Params, note: string): Promise<undefined> {
        shared['notes'] = [...((shared['notes'] as string[] | undefined) ?? []), note];
        return undefined;
      }
    }
    class Cities extends AsyncBatchFlow<Shared> {
      override async prepAsync(): Promise<Params[]> {
        return [{ city: 'Oslo' }, { city: 'Rome' }, { city: 'Lima' }];
      }
    }
    const source = new Note();
    const steps = await recorded(new Cities({ start: source, name: 'Cities' }), []);
    expect(steps.map((s) => [s.step, s.node, s.path])).toEqual([
      [1, 'Note', [{ flow: 'Cities', paramIndex: 0 }]],
      [2, 'Note', [{ flow: 'Cities', paramIndex: 1 }]],
      [3, 'Note', [{ flow: 'Cities', paramIndex: 2 }]],
    ]);
    const at = steps[1] as RecordedStep;
    const node = new Note();
    const shared = { notes: ['visited Oslo', 'edited'] } as Shared;
    const result = await fork(new Cities({ start: node, name: 'Cities' }), shared, [], { at, from: steps });
    expect(node.runs).toEqual([]);
    expect(result.shared['notes']).toEqual(['visited Oslo', 'edited', 'visited Rome', 'visited Lima']);
  });

  it('re-uses a parallel batch node per item, running only the items whose input changed', async () => {
    class Shout extends AsyncParallelBatchNode<Shared, string, string> {
      ran: string[] = [];
      override async prepAsync(shared: Shared): Promise<string[]> {
        return shared['words'] as string[];
      }
      override async execAsync(word: string): Promise<string> {
        this.ran.push(word);
        return word.toUpperCase();
      }
      override async postAsync(shared: Shared, _w: string[], loud: string[]): Promise<undefined> {
        shared['loud'] = loud;
        return undefined;
      }
    }
    const steps = await recorded(new AsyncFlow<Shared>({ start: new Shout(), name: 'Loud' }), [], { words: ['a', 'b', 'c'] });
    expect(steps[0]).toMatchObject({ items: 3, execs: [{ item: 0, input: 'a' }, { item: 1, input: 'b' }, { item: 2, input: 'c' }] });
    const node = new Shout();
    const result = await fork(new AsyncFlow<Shared>({ start: node, name: 'Loud' }), { words: ['a', 'x', 'c'] }, [], { at: steps[0] as RecordedStep, from: steps });
    expect(node.ran).toEqual(['x']);
    expect(result.shared['loud']).toEqual(['A', 'X', 'C']);
  });

  it('refuses a step inside a parallel batch flow, naming the batch flow step to fork at instead, and starts nothing', async () => {
    const inner = new Suggest();
    class Both extends AsyncParallelBatchFlow<Shared> {
      override async prepAsync(): Promise<Params[]> {
        return [{ side: 'left' }, { side: 'right' }];
      }
    }
    const outer = new AsyncFlow<Shared>({ start: new Both({ start: inner, name: 'Both' }), name: 'Outer' });
    const steps = await recorded(outer, []);
    const at = steps.find((s) => s.node === 'Suggest') as RecordedStep;
    expect(at.frames).toBeUndefined();
    expect(at.forkAt).toBe(1);
    const again = new Suggest();
    const rebuilt = new AsyncFlow<Shared>({ start: new Both({ start: again, name: 'Both' }), name: 'Outer' });
    const run = rebuilt.runAsync({}, { logger: silentLogger, fork: { at, from: steps } });
    await expect(run).rejects.toThrow(ForkPointError);
    await expect(run).rejects.toThrow(/ran inside a parallel batch flow.*Fork at step 1 \(the batch flow's step\) instead/);
    expect(again.calls).toBe(0);
  });

  it('refuses a step of a graph the flow does not have', async () => {
    const steps = await recorded(recipeFlow().flow, ['y']);
    const other = new AsyncFlow<Shared>({ start: new Approve({ name: 'Other' }), name: 'Recipes' });
    await expect(other.runAsync({}, { logger: silentLogger, fork: { at: steps[0] as RecordedStep } })).rejects.toThrow(
      /Step 1 ran at node 'Suggest' of flow 'Recipes', which this flow's graph does not have/,
    );
  });
});
