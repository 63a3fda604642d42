// A run's events in-process: the lifecycle the orchestration loop tells, and what exec publishes.
import { describe, expect, it } from 'vitest';
import { AsyncFlow, AsyncHumanNode, AsyncNode, AsyncParallelBatchNode, FlowDefinitionError, type RunEvent, ScriptedInput, silentLogger } from '../src/core/index.js';

type Shared = Record<string, unknown>;

class Writes extends AsyncNode<Shared, string, string> {
  override async prepAsync(): Promise<string> {
    return 'a b c';
  }
  override async execAsync(words: string): Promise<string> {
    if (this.curRetry === 0) {
      this.stream('half ');
      throw new Error('cut off');
    }
    for (const word of words.split(' ')) {
      this.stream(word);
    }
    this.emit({ words: 3 });
    return words;
  }
  override async postAsync(shared: Shared, _p: string, text: string): Promise<string> {
    shared['text'] = text;
    return 'ask';
  }
}

class Ask extends AsyncHumanNode<Shared, undefined, string> {
  override async execAsync(): Promise<string> {
    return this.getUserInput('Keep it?', { choices: ['y', 'n'] });
  }
  override async postAsync(shared: Shared, _p: undefined, answer: string): Promise<undefined> {
    shared['kept'] = answer;
    return undefined;
  }
}

async function eventsOf(flow: AsyncFlow<Shared>, answers: string[] = []): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  await flow.runAsync({}, { input: new ScriptedInput(answers), logger: silentLogger, onEvent: (event) => events.push(event) });
  return events;
}

describe('events of an in-process run', () => {
  it('tells the lifecycle and exec text in order, numbering steps as they start and events from 0', async () => {
    const writes = new Writes({ maxRetries: 2 });
    writes.on('ask', new Ask());
    const events = await eventsOf(new AsyncFlow<Shared>({ start: writes, name: 'Story' }), ['y']);
    expect(events.map(({ offset, ...event }) => [offset, event])).toEqual([
      [0, { type: 'run-started', flow: 'Story' }],
      [1, { type: 'node-started', step: 1, node: 'Writes', flow: 'Story' }],
      [2, { type: 'text', step: 1, node: 'Writes', attempt: 1, text: 'half ' }],
      [3, { type: 'retry', step: 1, node: 'Writes', attempt: 2 }],
      [4, { type: 'text', step: 1, node: 'Writes', attempt: 2, text: 'a' }],
      [5, { type: 'text', step: 1, node: 'Writes', attempt: 2, text: 'b' }],
      [6, { type: 'text', step: 1, node: 'Writes', attempt: 2, text: 'c' }],
      [7, { type: 'data', step: 1, node: 'Writes', attempt: 2, data: { words: 3 } }],
      [8, { type: 'node-finished', step: 1, node: 'Writes', action: 'ask' }],
      [9, { type: 'node-started', step: 2, node: 'Ask', flow: 'Story' }],
      [10, { type: 'waiting', step: 2, node: 'Ask', prompt: 'Keep it?', choices: ['y', 'n'] }],
      [11, { type: 'answered', step: 2, node: 'Ask', answer: 'y' }],
      [12, { type: 'node-finished', step: 2, node: 'Ask', action: null }],
      [13, { type: 'run-finished', action: null }],
    ]);
  });

  it('tells the fallback with the last error, and a failed run with its error', async () => {
    class Fails extends AsyncNode<Shared> {
      override async execAsync(): Promise<never> {
        throw new RangeError('too far');
      }
      override async execFallbackAsync(): Promise<string> {
        return 'fell back';
      }
    }
    const fallback = await eventsOf(new AsyncFlow<Shared>({ start: new Fails(), name: 'F' }));
    expect(fallback.find((event) => event.type === 'fallback')).toMatchObject({ step: 1, node: 'Fails', error: { name: 'RangeError', message: 'too far' } });

    class Breaks extends AsyncNode<Shared> {
      override async execAsync(): Promise<never> {
        throw new TypeError('broken');
      }
    }
    const events: RunEvent[] = [];
    const flow = new AsyncFlow<Shared>({ start: new Breaks(), name: 'B' });
    await expect(flow.runAsync({}, { logger: silentLogger, onEvent: (event) => events.push(event) })).rejects.toThrow('broken');
    expect(events.map((event) => event.type)).toEqual(['run-started', 'node-started', 'run-failed']);
    expect(events.at(-1)).toMatchObject({ error: { name: 'TypeError', message: 'broken' } });
  });

  it('says which item of a parallel batch each text is from', async () => {
    class Items extends AsyncParallelBatchNode<Shared, string, string> {
      override async prepAsync(): Promise<string[]> {
        return ['x', 'y'];
      }
      override async execAsync(item: string): Promise<string> {
        this.stream(item);
        return item;
      }
    }
    const events = await eventsOf(new AsyncFlow<Shared>({ start: new Items() }));
    const texts = events.filter((event) => event.type === 'text');
    expect(texts).toEqual([
      expect.objectContaining({ item: 0, text: 'x' }),
      expect.objectContaining({ item: 1, text: 'y' }),
    ]);
  });

  it('refuses stream() and emit() outside exec, and data that cannot cross a process', async () => {
    class StreamsInPrep extends AsyncNode<Shared> {
      override async prepAsync(): Promise<undefined> {
        this.stream('no');
        return undefined;
      }
    }
    await expect(eventsOf(new AsyncFlow<Shared>({ start: new StreamsInPrep() }))).rejects.toThrow(/called stream\(\) outside exec/);
    class EmitsAFunction extends AsyncNode<Shared> {
      override async execAsync(): Promise<undefined> {
        this.emit({ callback: () => 1 });
        return undefined;
      }
    }
    await expect(eventsOf(new AsyncFlow<Shared>({ start: new EmitsAFunction() }))).rejects.toThrow(/the data given to emit\(\)/);
    await expect(eventsOf(new AsyncFlow<Shared>({ start: new StreamsInPrep() }))).rejects.toBeInstanceOf(FlowDefinitionError);
    // The same with no one listening: a flow that works unwatched works watched.
    const unwatched = { logger: silentLogger };
    await expect(new AsyncFlow<Shared>({ start: new StreamsInPrep() }).runAsync({}, unwatched)).rejects.toThrow(/called stream\(\) outside exec/);
    await expect(new AsyncFlow<Shared>({ start: new EmitsAFunction() }).runAsync({}, unwatched)).rejects.toThrow(/the data given to emit\(\)/);
  });

  it('keeps the run going when the listener throws', async () => {
    const writes = new Writes({ maxRetries: 2 });
    const shared: Shared = {};
    const warnings: string[] = [];
    await new AsyncFlow<Shared>({ start: writes }).runAsync(shared, {
      logger: { ...silentLogger, warn: (message: string) => warnings.push(message) },
      onEvent: () => {
        throw new Error('listener bug');
      },
    });
    expect(shared['text']).toBe('a b c');
    expect(warnings).toEqual([expect.stringContaining('listener bug')]);
  });
});
