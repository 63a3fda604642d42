/**
 * The scale benchmark (`npm run bench:scale`, not part of `npm test`): on one dev server, a
 * 100,000-step loop, a 100,000-item parallel batch and a 10,000-param-set parallel batch flow. For
 * each: wall time, the largest single history (events, bytes), how many runs and child workflows
 * it took, and the worker's peak memory. Writes bench/SCALE.md and bench/scale-results.json.
 * `--quick` runs each at a fiftieth of its size (past the child-workflow thresholds still), to check the benchmark itself.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { bundleFlowWorkflows } from '../src/temporal/bundle.js';
import { flowResult, startFlow } from '../src/temporal/client.js';
import { clientDataConverter } from '../src/temporal/data-converter.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { type LineChild, ROOT, spawnLines, stopChild } from './child.js';

const { temporal } = proto;

/** Temporal warns at 10,240 events in one history: the bound each case must hold. */
const HISTORY_BOUND = 10_240;

/** The time the three full-size cases together may take on a 2-core machine like this one. */
const BUDGET_MINUTES = 60;

interface ScaleCase {
  name: string;
  flow: string;
  what: string;
  shared: Record<string, number>;
  /** Checks the result, so that a fast wrong answer does not pass. */
  check: (shared: Record<string, unknown>) => boolean;
}

interface CaseResult {
  name: string;
  what: string;
  wallSeconds: number;
  runs: number;
  children: number;
  largestHistory: { events: number; bytes: number; workflowId: string };
  workerPeakMiB: number;
  correct: boolean;
}

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const scale = values.quick ? 0.02 : 1;

const CASES: ScaleCase[] = [
  {
    name: 'loop',
    flow: 'scale-loop',
    what: `a ${(100_000 * scale).toLocaleString('en')}-step loop (one activity per step)`,
    shared: { target: 100_000 * scale },
    check: (shared) => shared['n'] === 100_000 * scale,
  },
  {
    name: 'parallel batch',
    flow: 'scale-batch',
    what: `a parallel batch of ${(100_000 * scale).toLocaleString('en')} items (one activity per item)`,
    shared: { items: 100_000 * scale },
    check: (shared) => {
      const doubled = shared['doubled'] as number[];
      return doubled.length === 100_000 * scale && doubled.every((v, i) => v === i * 2);
    },
  },
  {
    name: 'parallel batch flow',
    flow: 'scale-batch-flow',
    what: `a parallel batch flow over ${(10_000 * scale).toLocaleString('en')} param sets (one activity per walk)`,
    shared: { paramSets: 10_000 * scale },
    check: (shared) => {
      const squares = shared['squares'] as Record<string, number>;
      return Object.keys(squares).length === 10_000 * scale && squares[String(7)] === 49;
    },
  },
];

/** The worker's peak resident memory so far (Linux: VmHWM), in MiB. */
function peakMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

async function spawnWorker(address: string, taskQueue: string, bundlePath: string): Promise<LineChild> {
  let ready = (): void => {};
  const polling = new Promise<void>((resolve) => (ready = resolve));
  const worker = spawnLines([process.execPath, '--import', 'tsx', join(ROOT, 'bench/scale-worker.ts'), address, taskQueue, bundlePath], process.env, (line) => {
    if (line.includes('worker ready')) {
      ready();
    }
  });
  await Promise.race([polling, worker.exited.then(({ code, stderr }) => Promise.reject(new Error(`the worker exited early with ${code}:\n${stderr.slice(-2000)}`)))]);
  return worker;
}

/** Every run of the workflow id (continue-as-new) and every child workflow under it, each with its history's size. */
async function histories(client: Client, workflowId: string): Promise<{ runs: number; children: number; largest: CaseResult['largestHistory'] }> {
  let runs = 0;
  let children = 0;
  let largest = { events: 0, bytes: 0, workflowId };
  const measure = async (id: string, runId: string): Promise<void> => {
    const history = await client.workflow.getHandle(id, runId).fetchHistory();
    const events = history.events?.length ?? 0;
    const bytes = temporal.api.history.v1.History.encode(history).finish().length;
    if (events > largest.events) {
      largest = { events, bytes, workflowId: id };
    }
  };
  for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    runs++;
    await measure(run.workflowId, run.runId);
  }
  for await (const child of client.workflow.list({ query: `RootWorkflowId = '${workflowId}' AND WorkflowId != '${workflowId}'` })) {
    children++;
    await measure(child.workflowId, child.runId);
  }
  return { runs, children, largest };
}

async function runCase(client: Client, address: string, bundlePath: string, c: ScaleCase): Promise<CaseResult> {
  const taskQueue = `scale-${c.flow}-${Date.now()}`;
  const worker = await spawnWorker(address, taskQueue, bundlePath);
  try {
    const workflowId = `${c.flow}-${Date.now()}`;
    const started = performance.now();
    await startFlow(client, { flow: c.flow, taskQueue, workflowId, shared: c.shared });
    const { shared } = await flowResult(client, workflowId);
    const wallSeconds = (performance.now() - started) / 1000;
    const workerPeakMiB = peakMiB(worker.child.pid as number);
    // Visibility catches up with the last runs within moments.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const counted = await histories(client, workflowId);
    const result = {
      name: c.name,
      what: c.what,
      wallSeconds: Math.round(wallSeconds * 10) / 10,
      runs: counted.runs,
      children: counted.children,
      largestHistory: counted.largest,
      workerPeakMiB,
      correct: c.check(shared as Record<string, unknown>),
    };
    console.log(JSON.stringify(result));
    return result;
  } finally {
    await stopChild(worker);
  }
}

function report(results: CaseResult[], started: Date): string {
  const rows = results.map(
    (r) =>
      `| ${r.what} | ${r.wallSeconds} s | ${r.runs} | ${r.children} | ${r.largestHistory.events.toLocaleString('en')} events, ` +
      `${(r.largestHistory.bytes / 1024).toFixed(0)} KiB | ${r.workerPeakMiB} MiB | ${r.correct ? 'yes' : '**no**'} |`,
  );
  const held = results.every((r) => r.correct && r.largestHistory.events <= HISTORY_BOUND);
  const totalMinutes = results.reduce((sum, r) => sum + r.wallSeconds, 0) / 60;
  return `# Scale benchmark

Run on ${started.toISOString().slice(0, 10)} with \`npm run bench:scale${values.quick ? ' -- --quick' : ''}\`: one Temporal dev server
(the project's CLI, SQLite), one worker process (from source through tsx, the SDK's default
slots and cache), on this 2-core machine. Defaults only: runs continue as new when Temporal
suggests it, batch nodes past 1,000 items run in child workflows of 1,000, batch flows past 100
param sets in children of 100, at most 1,000 activities pending per run.

| Case | Wall time | Runs | Child workflows | Largest single history | Worker peak memory | Result right |
| --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

Goal: all three complete, and no single history passes ${HISTORY_BOUND.toLocaleString('en')} events (where Temporal
starts to warn; it ends a run at 51,200 events or 50 MB). **${held ? 'Held' : 'Not held'}.** Budget: the three together
within ${BUDGET_MINUTES} minutes on a 2-core machine; they took ${totalMinutes.toFixed(1)} minutes
(**${totalMinutes <= BUDGET_MINUTES ? 'within' : 'over'}**).

"Runs" counts the runs of the workflow id (one more for each continue-as-new); "child workflows"
the chunks (and their runs) under it. The largest history is the largest of all of them.
`;
}

const startedAt = new Date();
const server = await startDevServer({ log: (m) => console.log(`[temporal] ${m}`) });
try {
  const dir = mkdtempSync(join(tmpdir(), 'pft-scale-'));
  const bundlePath = join(dir, 'scale.js');
  writeFileSync(bundlePath, (await bundleFlowWorkflows(join(ROOT, 'bench/scale-workflows.ts'))).code);
  const client = new Client({ connection: await Connection.connect({ address: server.address }), dataConverter: clientDataConverter() });
  const results: CaseResult[] = [];
  for (const c of CASES) {
    console.log(`Running ${c.what}...`);
    results.push(await runCase(client, server.address, bundlePath, c));
  }
  if (!values.quick) {
    writeFileSync(join(ROOT, 'bench/SCALE.md'), report(results, startedAt));
    writeFileSync(join(ROOT, 'bench/scale-results.json'), `${JSON.stringify({ date: startedAt.toISOString(), results }, null, 2)}\n`);
  } else {
    console.log(report(results, startedAt));
  }
} finally {
  await server.stop();
}
