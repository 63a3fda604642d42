/**
 * Benchmarks 5 and 6: the Recipe Finder's worker as its own process. How long a fresh worker process takes
 * to poll (compiled with the prebuilt bundle, compiled bundling at start, from source through tsx), and how
 * soon a run that waits for a person takes an answer after its worker was killed and a new one started.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { Client } from '@temporalio/client';
import { mapWithLimit } from '../src/core/internal.js';
import { answerFlow, getFlowState, startFlow } from '../src/temporal/client.js';
import { freePort } from '../src/temporal/dev-server.js';
import { DEFAULT_STICKY_TIMEOUT } from '../src/temporal/worker-env.js';
import { type LineChild, ROOT, spawnLines, stopChild, waitUntil } from './child.js';
import { fetchHistory } from './history.js';

/** The compiled worker entry (`npm run build`) and the prebuilt bundle (`npm run build:workflows`). */
const COMPILED_WORKER = join(ROOT, 'dist', 'workers', 'recipe-worker.js');

/** What the worker prints right before `worker.run()`. */
const POLLING_LINE = 'Worker polling';

/** The Recipe Finder's registered flow name. */
const RECIPE_FLOW = 'recipe-finder';

/** The three ways to start the worker that benchmark 5 compares. */
export type StartVariant = 'compiled-prebuilt' | 'compiled-bundling' | 'source-prebuilt';

export const START_VARIANTS: readonly StartVariant[] = ['compiled-prebuilt', 'compiled-bundling', 'source-prebuilt'];

export interface WorkerStartSample {
  variant: StartVariant;
  /** spawn() to the "Worker polling" line on the child's stdout. */
  ms: number;
  /** Where the worker said its workflow code came from. */
  workflowCode: 'prebuilt' | 'bundled at start' | 'not said';
}

export interface RestartRound {
  /** The TEMPORAL_WORKER_STICKY_TIMEOUT the workers ran with ('' for the library's default). */
  stickyEnv: string;
  runs: number;
  /** Starting the runs until every one waits at its prompt (state query). */
  settleMs: number;
  /** SIGKILL of the old worker to the new worker's "Worker polling" line. */
  killToPollingMs: number;
  /**
   * Answers signalled the moment the new worker polls: from its "Worker polling" line to the end of the
   * workflow task that took the answer (WorkflowTaskCompleted after WorkflowExecutionSignaled, server clock).
   */
  answerMs: number[];
  /** The same, from the line to the WorkflowTaskStarted of that task: when a worker picked it up. */
  pickedUpMs: number[];
  /** One more run answered by update (`answerFlow`'s default) at the same moment: how long, or why it was refused. */
  update: { ms: number; refused?: string };
}

export interface WorkerProcessRun {
  buildMs: number;
  bundleMs: number;
  starts: WorkerStartSample[];
  restarts: RestartRound[];
  defaultStickyTimeout: string;
  answersPerRound: number;
}

interface RunningWorker extends LineChild {
  spawnedAt: number;
  /** performance.now() of the "Worker polling" line. */
  polling: Promise<number>;
  workflowCode: () => WorkerStartSample['workflowCode'];
}

function command(variant: StartVariant): string[] {
  switch (variant) {
    case 'compiled-prebuilt':
      return [process.execPath, COMPILED_WORKER];
    case 'compiled-bundling': {
      // The compiled worker with its prebuilt bundle turned off: it bundles workflows/index.ts at start.
      const script = [
        `const { createRecipeWorker } = await import(${JSON.stringify(pathToFileURL(COMPILED_WORKER).href)});`,
        'const worker = await createRecipeWorker({ prebuiltBundle: undefined });',
        "console.log('Workflow code: bundled from workflows/index.ts at start (prebuilt bundle turned off).');",
        `console.log(\`${POLLING_LINE} task queue '\${worker.options.taskQueue}'.\`);`,
        'await worker.run();',
      ].join('\n');
      return [process.execPath, '--input-type=module', '-e', script];
    }
    case 'source-prebuilt':
      return [process.execPath, '--import', 'tsx', join(ROOT, 'workers', 'recipe-worker.ts')];
  }
}

function spawnWorker(variant: StartVariant, env: NodeJS.ProcessEnv): RunningWorker {
  const spawnedAt = performance.now();
  let code: WorkerStartSample['workflowCode'] = 'not said';
  let polled = (_at: number): void => {};
  const polling = new Promise<number>((resolve) => (polled = resolve));
  const child = spawnLines(command(variant), env, (line, at) => {
    if (line.startsWith('Workflow code: the prebuilt bundle')) {
      code = 'prebuilt';
    } else if (line.startsWith('Workflow code: bundled') || line.includes('bundled from')) {
      code = 'bundled at start';
    } else if (line.startsWith(POLLING_LINE)) {
      polled(at);
    }
  });
  const failed = child.exited.then(({ code: status, signal, stderr }) => {
    throw new Error(`The ${variant} worker exited with ${signal ?? status} before polling:\n${stderr.slice(-2000)}`);
  });
  const first = Promise.race([polling, failed]);
  first.catch(() => {});
  return { ...child, spawnedAt, polling: first, workflowCode: () => code };
}

function runCommand(file: string, args: string[]): Promise<{ ok: boolean; ms: number; output: string }> {
  const start = performance.now();
  return new Promise((resolve) => {
    execFile(file, args, { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ ok: error === null, ms: performance.now() - start, output: `${stdout}${stderr}` });
    });
  });
}

export interface WorkerProcessOptions {
  client: Client;
  address: string;
  /** Fresh processes per start variant (after one unmeasured each). */
  startReps: number;
  /** Runs waiting for a person when the worker is killed. */
  restartRuns: number;
  /** Kill-and-restart rounds per sticky setting. */
  restartRounds: number;
  /** Runs answered the moment the new worker polls, per round. */
  answersPerRound: number;
  log: (message: string) => void;
}

/** Builds dist/ and the prebuilt bundle, then measures worker start and the first answer after a restart. */
export async function runWorkerProcesses(options: WorkerProcessOptions): Promise<WorkerProcessRun> {
  const { log } = options;
  log('building dist/ (npm run build) and the prebuilt workflow bundle (npm run build:workflows)');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const build = await runCommand(npm, ['run', '--silent', 'build']);
  const bundle = await runCommand(npm, ['run', '--silent', 'build:workflows']);
  for (const [script, done] of [['build', build], ['build:workflows', bundle]] as const) {
    if (!done.ok) {
      throw new Error(`npm run ${script} failed:\n${done.output.slice(-2000)}`);
    }
  }
  const closedPort = await freePort();
  const baseEnv: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: options.address,
    TEMPORAL_NAMESPACE: 'default',
    // Nothing listens there: the recipe API call fails at once and the flow uses its built-in list.
    RECIPE_API_URL: `http://127.0.0.1:${closedPort}/filter.php?i=`,
    RECIPE_HTTP_TIMEOUT_MS: '2000',
    OPENAI_API_KEY: '',
    TEMPORAL_WORKER_STICKY_TIMEOUT: '',
  };
  let queue = 0;
  const taskQueue = () => `bench-recipe-${Date.now()}-${++queue}`;

  const starts: WorkerStartSample[] = [];
  log(`worker start: one unmeasured and ${options.startReps} measured fresh processes per variant`);
  for (let rep = -1; rep < options.startReps; rep++) {
    const order = rep < 0 ? START_VARIANTS : rotate(START_VARIANTS, rep);
    for (const variant of order) {
      const worker = spawnWorker(variant, { ...baseEnv, TEMPORAL_TASK_QUEUE: taskQueue() });
      try {
        const ms = (await worker.polling) - worker.spawnedAt;
        if (rep >= 0) {
          starts.push({ variant, ms, workflowCode: worker.workflowCode() });
          log(`worker start ${rep + 1}/${options.startReps} ${variant}: ${ms.toFixed(0)} ms (${worker.workflowCode()})`);
        }
      } finally {
        await stopChild(worker);
      }
    }
  }

  const restarts: RestartRound[] = [];
  for (const stickyEnv of ['', '10s']) {
    for (let round = 0; round < options.restartRounds; round++) {
      restarts.push(await restartRound(options, { ...baseEnv, TEMPORAL_WORKER_STICKY_TIMEOUT: stickyEnv, TEMPORAL_TASK_QUEUE: taskQueue() }));
      const last = restarts[restarts.length - 1] as RestartRound;
      log(
        `restart (sticky ${stickyEnv || `default ${DEFAULT_STICKY_TIMEOUT}`}) ${round + 1}/${options.restartRounds}: ${last.runs} runs waiting in ` +
          `${(last.settleMs / 1000).toFixed(1)} s; answers taken ${last.answerMs.map((ms) => ms.toFixed(0)).join(', ')} ms after polling; ` +
          `update ${last.update.refused === undefined ? `${last.update.ms.toFixed(0)} ms` : `refused after ${last.update.ms.toFixed(0)} ms`}`,
      );
    }
  }
  return {
    buildMs: build.ms,
    bundleMs: bundle.ms,
    starts,
    restarts,
    defaultStickyTimeout: DEFAULT_STICKY_TIMEOUT,
    answersPerRound: options.answersPerRound,
  };
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

/** Starts `restartRuns` Recipe Finder runs, waits until all ask for an ingredient, kills the worker, starts another, answers. */
async function restartRound(options: WorkerProcessOptions, env: NodeJS.ProcessEnv): Promise<RestartRound> {
  const { client } = options;
  const taskQueue = env['TEMPORAL_TASK_QUEUE'] as string;
  const first = spawnWorker('compiled-prebuilt', env);
  let second: RunningWorker | undefined;
  try {
    await first.polling;
    const settleStart = performance.now();
    const ids = Array.from({ length: options.restartRuns }, (_, i) => `${taskQueue}-run-${i + 1}`);
    await mapWithLimit(ids, 50, async (id) => {
      await startFlow(client, { flow: RECIPE_FLOW, taskQueue, workflowId: id, shared: {} });
    });
    await mapWithLimit(ids, 50, (id) =>
      waitUntil(`run ${id} to ask for an ingredient`, async () => (await getFlowState(client, id)).pending.length > 0, 20, 120_000),
    );
    const settleMs = performance.now() - settleStart;
    // The answered runs: spread over the batch, and one more for the update.
    const step = Math.max(1, Math.floor(ids.length / (options.answersPerRound + 1)));
    const chosen = ids.filter((_, i) => i % step === 0).slice(0, options.answersPerRound + 1);
    const updated = chosen.pop() as string;
    const killedAt = performance.now();
    await stopChild(first, 'SIGKILL');
    second = spawnWorker('compiled-prebuilt', env);
    const pollingAt = await second.polling;
    const pollingEpoch = performance.timeOrigin + pollingAt;
    const update = answerFlow(client, updated, 'chicken').then(
      () => ({ ms: performance.now() - pollingAt }),
      (error: unknown) => ({ ms: performance.now() - pollingAt, refused: error instanceof Error ? error.message : String(error) }),
    );
    await Promise.all(chosen.map((id) => answerFlow(client, id, 'chicken', { wait: 'signal' })));
    const taken = await Promise.all(chosen.map((id) => answerTaken(client, id)));
    const answerMs = taken.map((t) => t.completedEpoch - pollingEpoch);
    const pickedUpMs = taken.map((t) => t.startedEpoch - pollingEpoch);
    return {
      stickyEnv: env['TEMPORAL_WORKER_STICKY_TIMEOUT'] ?? '',
      runs: ids.length,
      settleMs,
      killToPollingMs: pollingAt - killedAt,
      answerMs,
      pickedUpMs,
      update: await update,
    };
  } finally {
    await stopChild(first, 'SIGKILL');
    if (second !== undefined) {
      await stopChild(second);
    }
  }
}

/** Waits until the run's history shows a workflow task completed after its signal; its start and end, epoch ms. */
async function answerTaken(client: Client, id: string): Promise<{ startedEpoch: number; completedEpoch: number }> {
  let taken: { startedEpoch: number; completedEpoch: number } | undefined;
  await waitUntil(`run ${id} to take its answer`, async () => {
    const { events } = await fetchHistory(client, id);
    const signalled = events.findIndex((event) => event.type === 'WorkflowExecutionSignaled');
    const after = signalled < 0 ? [] : events.slice(signalled);
    const started = after.find((event) => event.type === 'WorkflowTaskStarted');
    const completed = after.find((event) => event.type === 'WorkflowTaskCompleted');
    taken = started && completed ? { startedEpoch: started.timeMs, completedEpoch: completed.timeMs } : undefined;
    return taken !== undefined;
  }, 50);
  return taken as { startedEpoch: number; completedEpoch: number };
}
