/**
 * Benchmark 3, one side in a fresh process: `node --expose-gc --import tsx bench/inprocess.ts <loop|batch> <ours|pocketflow> <warmRuns>`.
 * The first run is cold and sampled for memory; the warm runs are timed without sampling. Prints one JSON line.
 */
import { getHeapStatistics } from 'node:v8';
import { performance } from 'node:perf_hooks';
import * as pf from 'pocketflow';
import { AsyncFlow, AsyncNode, AsyncParallelBatchNode, silentLogger } from '../src/core/index.js';
import { IN_PROCESS_STEPS } from './work.js';

const SAMPLE_EVERY = 100;

type Shared = { count: number; done?: number };

export interface InProcessSample {
  case: 'loop' | 'batch';
  impl: 'ours' | 'pocketflow';
  steps: number;
  coldMs: number;
  warmMs: number[];
  heapBefore: number;
  peakHeapDelta: number;
  peakRssDelta: number;
  retainedAfterGcDelta: number;
}

/** Peak heap and RSS, sampled while `sampling` (the cold run) every `SAMPLE_EVERY` steps and at the batch's end. */
const peak = { heap: 0, rss: 0, sampling: false };

function sample(step = 0): void {
  if (peak.sampling && step % SAMPLE_EVERY === 0) {
    peak.heap = Math.max(peak.heap, getHeapStatistics().used_heap_size);
    peak.rss = Math.max(peak.rss, process.memoryUsage.rss());
  }
}

class OurLoop extends AsyncNode<Shared, number, number> {
  override async prepAsync(shared: Shared): Promise<number> {
    return shared.count;
  }

  override async execAsync(count: number): Promise<number> {
    return count + 1;
  }

  override async postAsync(shared: Shared, _count: number, next: number): Promise<string> {
    shared.count = next;
    sample(next);
    return next < IN_PROCESS_STEPS ? 'again' : 'done';
  }
}

class OurEnd extends AsyncNode<Shared> {}

class OurBatch extends AsyncParallelBatchNode<Shared, number, number> {
  override async prepAsync(): Promise<number[]> {
    return Array.from({ length: IN_PROCESS_STEPS }, (_, i) => i);
  }

  override async execAsync(item: number): Promise<number> {
    sample(item);
    return item * 2;
  }

  override async postAsync(shared: Shared, _items: number[], results: number[]): Promise<undefined> {
    sample();
    shared.done = results.length;
    return undefined;
  }
}

class PfLoop extends pf.Node<Shared> {
  override async prep(shared: Shared): Promise<number> {
    return shared.count;
  }

  override async exec(count: unknown): Promise<number> {
    return (count as number) + 1;
  }

  override async post(shared: Shared, _count: unknown, next: unknown): Promise<string> {
    shared.count = next as number;
    sample(next as number);
    return (next as number) < IN_PROCESS_STEPS ? 'again' : 'done';
  }
}

class PfEnd extends pf.Node<Shared> {}

class PfBatch extends pf.ParallelBatchNode<Shared> {
  override async prep(): Promise<number[]> {
    return Array.from({ length: IN_PROCESS_STEPS }, (_, i) => i);
  }

  override async exec(item: unknown): Promise<number> {
    sample(item as number);
    return (item as number) * 2;
  }

  override async post(shared: Shared, _items: unknown, results: unknown): Promise<undefined> {
    sample();
    shared.done = (results as number[]).length;
    return undefined;
  }
}

/** A run of one case and side's flow on a fresh store. */
function build(kind: 'loop' | 'batch', impl: 'ours' | 'pocketflow'): () => Promise<Shared> {
  let run: (shared: Shared) => Promise<unknown>;
  if (impl === 'ours') {
    const loop = new OurLoop();
    loop.on('again', loop);
    loop.on('done', new OurEnd());
    const flow = new AsyncFlow<Shared>(kind === 'loop' ? loop : new OurBatch());
    run = (shared) => flow.runAsync(shared, { logger: silentLogger });
  } else {
    const loop = new PfLoop();
    loop.on('again', loop);
    loop.on('done', new PfEnd());
    const flow = new pf.Flow<Shared>(kind === 'loop' ? loop : new PfBatch());
    run = (shared) => flow.run(shared);
  }
  return async () => {
    const shared: Shared = { count: 0 };
    await run(shared);
    return shared;
  };
}

function check(kind: 'loop' | 'batch', shared: Shared): void {
  const got = kind === 'loop' ? shared.count : shared.done;
  if (got !== IN_PROCESS_STEPS) {
    throw new Error(`The ${kind} run did ${String(got)} steps instead of ${IN_PROCESS_STEPS}.`);
  }
}

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) {
    throw new Error('Run with --expose-gc.');
  }
  gc();
  gc();
}

async function main(): Promise<void> {
  const kind = process.argv[2] as 'loop' | 'batch';
  const impl = process.argv[3] as 'ours' | 'pocketflow';
  const warmRuns = Number(process.argv[4] ?? '5');
  if (!['loop', 'batch'].includes(kind) || !['ours', 'pocketflow'].includes(impl)) {
    throw new Error('Usage: inprocess.ts <loop|batch> <ours|pocketflow> <warmRuns>');
  }
  const run = build(kind, impl);
  collect();
  const heapBefore = getHeapStatistics().used_heap_size;
  const rssBefore = process.memoryUsage.rss();
  Object.assign(peak, { heap: heapBefore, rss: rssBefore, sampling: true });
  const coldStart = performance.now();
  const coldShared = await run();
  const coldMs = performance.now() - coldStart;
  sample();
  peak.sampling = false;
  check(kind, coldShared);
  collect();
  const retained = getHeapStatistics().used_heap_size;
  const warmMs: number[] = [];
  for (let i = 0; i < warmRuns; i++) {
    collect();
    const start = performance.now();
    const shared = await run();
    warmMs.push(performance.now() - start);
    check(kind, shared);
  }
  const result: InProcessSample = {
    case: kind,
    impl,
    steps: IN_PROCESS_STEPS,
    coldMs,
    warmMs,
    heapBefore,
    peakHeapDelta: peak.heap - heapBefore,
    peakRssDelta: peak.rss - rssBefore,
    retainedAfterGcDelta: retained - heapBefore,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
