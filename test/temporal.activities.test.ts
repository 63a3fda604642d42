// The generated node activities run alone in MockActivityEnvironment (no Temporal server): retries, fallback, heartbeats, services, errors.
import { ApplicationFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import {
  AsyncFlow,
  AsyncHumanNode,
  AsyncNode,
  defineFlows,
  type ExecActivityInput,
  type FallbackActivityInput,
  type Params,
} from '../src/workflow.js';
import { createFlowActivities, type FlowActivity } from '../src/worker.js';
import { FORK_MEMO_ACTIVITY } from '../src/temporal/definitions.js';

type Shared = Record<string, unknown>;
interface Services {
  greet(name: string): string;
}

class Attempt extends AsyncNode<Shared, string, { curRetry: number; prepRes: string }> {
  override async execAsync(prepRes: string) {
    return { curRetry: this.curRetry, prepRes };
  }
}

class Fallible extends AsyncNode<Shared, string, { name: string; message: string; curRetry: number; prepRes: string }> {
  override async execAsync(): Promise<never> {
    throw new Error('exec always fails');
  }
  override async execFallbackAsync(prepRes: string, error: Error) {
    return { name: error.name, message: error.message, curRetry: this.curRetry, prepRes };
  }
}

class Beat extends AsyncNode<Shared, unknown, string> {
  override async execAsync() {
    this.heartbeat({ done: 1, of: 2 });
    this.heartbeat('almost');
    return 'beaten';
  }
}

class UsesServices extends AsyncNode<Shared, string, { greeting: string; sameServices: boolean; params: Params }, Services> {
  override async execAsync(prepRes: string) {
    return { greeting: this.services.greet(prepRes), sameServices: this.services === services, params: this.params };
  }
}

class ReturnsServices extends AsyncNode<Shared, string, Services, Services> {
  override async execAsync() {
    return this.services;
  }
}

class Asker extends AsyncNode<Shared, unknown, string> {
  override async execAsync() {
    return this.getUserInput('Which city?');
  }
}

const probe = defineFlows({
  probe: () => {
    const start = new Attempt();
    start.next(new Fallible({ maxRetries: 3 })).next(new Beat()).next(new UsesServices()).next(new Asker()).next(new ReturnsServices());
    return new AsyncFlow<Shared, unknown, Services>(start);
  },
});
const services: Services = { greet: (name) => `hello ${name}` };
const activities = createFlowActivities(probe, { services });

function activity(name: string): FlowActivity {
  const fn = activities[name];
  if (fn === undefined) {
    throw new Error(`no activity '${name}' (have: ${Object.keys(activities).join(', ')})`);
  }
  return fn;
}

function execInput(node: string, extra: Partial<ExecActivityInput> = {}): ExecActivityInput {
  return { flow: 'probe', node, params: {}, input: null, ...extra };
}

/** An activity environment at `attempt` whose worker logger stays quiet about expected failures. */
function mockEnv(attempt = 1): MockActivityEnvironment {
  return new MockActivityEnvironment({ attempt }, { logger: new DefaultLogger('ERROR') });
}

/** Runs the activity `name` on `input` as attempt number `attempt`. */
function run(name: string, input: ExecActivityInput, attempt = 1): Promise<unknown> {
  return mockEnv(attempt).run(activity(name), input);
}

/** Runs an activity in a fresh environment and returns what it threw. */
async function failureOf(name: string, input: ExecActivityInput): Promise<unknown> {
  return run(name, input).then(
    () => {
      throw new Error(`activity '${name}' succeeded, a failure was expected`);
    },
    (error: unknown) => error,
  );
}

describe('exec activities', () => {
  it('runs exec on the activity input with curRetry 0 on the first attempt', async () => {
    const result = await run('Attempt', execInput('Attempt', { input: 'job-1' }), 1);
    expect(result).toEqual({ curRetry: 0, prepRes: 'job-1' });
  });

  it('sets curRetry to the activity attempt minus one on a later attempt', async () => {
    const result = await run('Attempt', execInput('Attempt', { input: 'job-3' }), 3);
    expect(result).toEqual({ curRetry: 2, prepRes: 'job-3' });
  });

  it('sends what exec passes to this.heartbeat as Temporal activity heartbeats', async () => {
    const env = mockEnv();
    const beats: unknown[] = [];
    env.on('heartbeat', (details: unknown) => beats.push(details));
    expect(await env.run(activity('Beat'), execInput('Beat'))).toBe('beaten');
    expect(beats).toEqual([{ done: 1, of: 2 }, 'almost']);
  });

  it('gives exec the services passed to createFlowActivities and the params of the input', async () => {
    const input = execInput('UsesServices', { input: 'Ada', params: { city: 'Lyon' } });
    const result = (await run('UsesServices', input)) as { greeting: string; sameServices: boolean; params: Params };
    expect(result.greeting).toBe('hello Ada');
    expect(result.sameServices).toBe(true);
    expect(result.params).toEqual({ city: 'Lyon' });
  });

  it('fails, without retries, an exec whose result cannot cross, naming the node, the item and the path', async () => {
    const error = await failureOf('ReturnsServices', { ...execInput('ReturnsServices'), item: { index: 4, count: 9 } });
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ type: 'NotSerializableError', nonRetryable: true });
    expect((error as Error).message).toMatch(/^Node 'ReturnsServices': the exec result of item 5 of 9 holds a function 'greet' at \$\.greet,/);
  });

  it('fails getUserInput inside exec, without retries, with InputUnavailableError that points to AsyncHumanNode', async () => {
    const error = await failureOf('Asker', execInput('Asker'));
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ type: 'InputUnavailableError', nonRetryable: true });
    expect((error as Error).message).toContain("Node 'Asker' asked a person for input in exec");
    expect((error as Error).message).toContain('make the node an AsyncHumanNode');
  });
});

describe('fallback activities', () => {
  it('rebuilds the last error with its original type and message and returns what the fallback returns', async () => {
    const input: FallbackActivityInput = {
      ...execInput('Fallible', { input: 'job-7' }),
      error: { message: 'slow down', type: 'RateLimitError' },
    };
    const result = await run('Fallible.fallback', input, 1);
    expect(result).toEqual({ name: 'RateLimitError', message: 'slow down', curRetry: 2, prepRes: 'job-7' });
  });
});

describe('unknown nodes', () => {
  it('fails with a non-retryable UnknownNodeError naming the flow and the node', async () => {
    const error = await failureOf('Attempt', execInput('Ghost'));
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ type: 'UnknownNodeError', nonRetryable: true });
    expect((error as ApplicationFailure).message).toContain("Flow 'probe' has no node 'Ghost'");
  });

  it('fails the same way when the flow itself is not registered', async () => {
    const error = await failureOf('Attempt', execInput('Attempt', { flow: 'missing-flow' }));
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ type: 'UnknownNodeError', nonRetryable: true });
    expect((error as ApplicationFailure).message).toContain("Flow 'missing-flow'");
  });
});

describe('which nodes get activities', () => {
  class Work extends AsyncNode {
    override async execAsync() {
      return 'work';
    }
  }
  class Ask extends AsyncHumanNode {
    override async execAsync() {
      return this.getUserInput('Go on?');
    }
  }
  class Bookkeeping extends AsyncNode {
    override async prepAsync() {
      return 'prep only';
    }
    override async postAsync() {
      return 'default';
    }
  }
  class InnerWork extends AsyncNode {
    override async execAsync() {
      return 'inner';
    }
  }
  class Guarded extends AsyncNode {
    override async execAsync() {
      return 'guarded';
    }
    override async execFallbackAsync() {
      return 'fell back';
    }
  }
  const shapes = defineFlows({
    shapes: () => {
      const start = new Work();
      const inner = new AsyncFlow({ name: 'Inner', start: new InnerWork() });
      start.next(new Ask()).next(new Bookkeeping()).next(inner).next(new Guarded());
      return new AsyncFlow(start);
    },
  });
  const all = Object.keys(createFlowActivities(shapes)).sort();
  // Besides the nodes' activities, every worker has the one a fork reads its source with.
  const names = all.filter((name) => name !== FORK_MEMO_ACTIVITY);

  it('makes exec activities only for nodes whose exec runs as an activity, nested flows’ nodes included', () => {
    expect(all).toContain(FORK_MEMO_ACTIVITY);
    expect(names.filter((name) => !name.endsWith('.fallback'))).toEqual(['Guarded', 'InnerWork', 'Work']);
    expect(names).not.toContain('Ask');
    expect(names).not.toContain('Bookkeeping');
    expect(names).not.toContain('Inner');
  });

  it('adds a <Name>.fallback activity only for nodes with a custom fallback', () => {
    expect(names.filter((name) => name.endsWith('.fallback'))).toEqual(['Guarded.fallback']);
  });
});
