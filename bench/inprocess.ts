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
  heapAfterDelta: number;
  retainedAfterGcDelta: number;
}

class Sampler {
  peakHeap = 0;
  peakRss = 0;
  enabled = false;

  sample(): void {
    if (!this.enabled) {
      return;
    }
    this.peakHeap = Math.max(this.peakHeap, getHeapStatistics().used_heap_size);
    this.peakRss = Math.max(this.peakRss, process.memoryUsage.rss());
  }
}

const sampler = new Sampler();

function maybeSample(step: number): void {
  if (step % SAMPLE_EVERY === 0) {
    sampler.sample();
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
    maybeSample(next);
    return next < IN_PROCESS_STEPS ? 'again' : 'done';
  }
}

class OurEnd extends AsyncNode<Shared> {}

class OurBatch extends AsyncParallelBatchNode<Shared, number, number> {
  override async prepAsync(): Promise<number[]> {
    return Array.from({ length: IN_PROCESS_STEPS }, (_, i) => i);
  }

  override async execAsync(item: number): Promise<number> {
    maybeSample(item);
    return item * 2;
  }

  override async postAsync(shared: Shared, _items: number[], results: number[]): Promise<undefined> {
    sampler.sample();
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
    maybeSample(next as number);
    return (next as number) < IN_PROCESS_STEPS ? 'again' : 'done';
  }
}

class PfEnd extends pf.Node<Shared> {}

class PfBatch extends pf.ParallelBatchNode<Shared> {
  override async prep(): Promise<number[]> {
    return Array.from({ length: IN_PROCESS_STEPS }, (_, i) => i);
  }

  override async exec(item: unknown): Promise<number> {
    maybeSample(item as number);
    return (item as number) * 2;
  }

  override async post(shared: Shared, _items: unknown, results: unknown): Promise<undefined> {
    sampler.sample();
    shared.done = (results as number[]).length;
    return undefined;
  }
}

function buildOurs(kind: 'loop' | 'batch'): () => Promise<Shared> {
  if (kind === 'batch') {
    const flow = new AsyncFlow<Shared>(new OurBatch());
    return async () => {
      const shared: Shared = { count: 0 };
      await flow.runAsync(shared, { logger: silentLogger });
      return shared;
    };
  }
  const loop = new OurLoop();
  loop.on('again', loop);
  loop.on('done', new OurEnd());
  const flow = new AsyncFlow<Shared>(loop);
  return async () => {
    const shared: Shared = { count: 0 };
    await flow.runAsync(shared, { logger: silentLogger });
    return shared;
  };
}

function buildPocketflow(kind: 'loop' | 'batch'): () => Promise<Shared> {
  if (kind === 'batch') {
    const flow = new pf.Flow<Shared>(new PfBatch());
    return async () => {
      const shared: Shared = { count: 0 };
      await flow.run(shared);
      return shared;
    };
  }
  const loop = new PfLoop();
  loop.on('again', loop);
  loop.on('done', new PfEnd());
  const flow = new pf.Flow<Shared>(loop);
  return async () => {
    const shared: Shared = { count: 0 };
    await flow.run(shared);
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
  const run = impl === 'ours' ? buildOurs(kind) : buildPocketflow(kind);
  collect();
  const heapBefore = getHeapStatistics().used_heap_size;
  const rssBefore = process.memoryUsage.rss();
  sampler.peakHeap = heapBefore;
  sampler.peakRss = rssBefore;
  sampler.enabled = true;
  const coldStart = performance.now();
  const coldShared = await run();
  const coldMs = performance.now() - coldStart;
  sampler.sample();
  sampler.enabled = false;
  const heapAfter = getHeapStatistics().used_heap_size;
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
  const sample: InProcessSample = {
    case: kind,
    impl,
    steps: IN_PROCESS_STEPS,
    coldMs,
    warmMs,
    heapBefore,
    peakHeapDelta: sampler.peakHeap - heapBefore,
    peakRssDelta: sampler.peakRss - rssBefore,
    heapAfterDelta: heapAfter - heapBefore,
    retainedAfterGcDelta: retained - heapBefore,
  };
  process.stdout.write(`${JSON.stringify(sample)}\n`);
}

await main();
