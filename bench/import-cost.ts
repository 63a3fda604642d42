/** Benchmark 3, import cost of one entry in a fresh process, compiled to plain JavaScript and run as `node --expose-gc import-cost.js <name> <specifier>`. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

/** One child's measurement of one `await import(specifier)`. */
export interface ImportSample {
  name: string;
  importMs: number;
  rssDelta: number;
  /** The growth of the process's anonymous (private) resident pages; NaN where /proc is not there. */
  anonDelta: number;
  /** The growth of the node executable's own resident pages (shared, read from the file); NaN where /proc is not there. */
  executableDelta: number;
  heapDelta: number;
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

/** Resident bytes of the process: all of them, its anonymous ones, and those of the node executable's mappings (Linux's /proc; NaN elsewhere). */
function resident(): { rss: number; anon: number; executable: number } {
  const rss = process.memoryUsage.rss();
  try {
    const anon = Number(/^RssAnon:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) * 1024;
    let executable = 0;
    let inExecutable = false;
    for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
      const mapping = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
      if (mapping !== null) {
        inExecutable = mapping[1] === process.execPath;
      } else if (inExecutable && line.startsWith('Rss:')) {
        executable += Number(/(\d+) kB/.exec(line)?.[1]) * 1024;
      }
    }
    return { rss, anon, executable };
  } catch {
    return { rss, anon: Number.NaN, executable: Number.NaN };
  }
}

async function main(): Promise<void> {
  const name = process.argv[2];
  const specifier = process.argv[3];
  if (name === undefined || specifier === undefined) {
    throw new Error('Usage: import-cost.js <name> <specifier>');
  }
  // Once unmeasured: reading /proc allocates, and its first read's growth would count as the import's.
  resident();
  collect();
  const before = resident();
  const heapBefore = getHeapStatistics().used_heap_size;
  const start = performance.now();
  await import(specifier);
  const importMs = performance.now() - start;
  collect();
  const after = resident();
  const heapAfter = getHeapStatistics().used_heap_size;
  const loaded = Object.keys(createRequire(import.meta.url).cache);
  const sample: ImportSample = {
    name,
    importMs,
    rssDelta: after.rss - before.rss,
    anonDelta: after.anon - before.anon,
    executableDelta: after.executable - before.executable,
    heapDelta: heapAfter - heapBefore,
    temporalFiles: loaded.filter((file) => /[\\/]node_modules[\\/]@temporalio[\\/]/.test(file)).length,
  };
  process.stdout.write(`${JSON.stringify(sample)}\n`);
}

await main();
