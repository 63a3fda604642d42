/** Benchmark 3, import cost of one entry in a fresh process, compiled to plain JavaScript and run as `node --expose-gc import-cost.js <name> <specifier>`. */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

/** One child's measurement of one `await import(specifier)`. */
export interface ImportSample {
  name: string;
  importMs: number;
  rssDelta: number;
  heapDelta: number;
  commonJsFiles: number;
  temporalFiles: number;
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
  const name = process.argv[2];
  const specifier = process.argv[3];
  if (name === undefined || specifier === undefined) {
    throw new Error('Usage: import-cost.js <name> <specifier>');
  }
  collect();
  const rssBefore = process.memoryUsage.rss();
  const heapBefore = getHeapStatistics().used_heap_size;
  const start = performance.now();
  await import(specifier);
  const importMs = performance.now() - start;
  collect();
  const rssAfter = process.memoryUsage.rss();
  const heapAfter = getHeapStatistics().used_heap_size;
  const loaded = Object.keys(createRequire(import.meta.url).cache);
  const sample: ImportSample = {
    name,
    importMs,
    rssDelta: rssAfter - rssBefore,
    heapDelta: heapAfter - heapBefore,
    commonJsFiles: loaded.length,
    temporalFiles: loaded.filter((file) => /[\\/]node_modules[\\/]@temporalio[\\/]/.test(file)).length,
  };
  process.stdout.write(`${JSON.stringify(sample)}\n`);
}

await main();
