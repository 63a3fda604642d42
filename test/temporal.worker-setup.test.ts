// How a worker is set up before it polls: its workflow code (prebuilt or bundled) and its options from the environment.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { changedTestFlows, testFlows } from './flows/registry.js';
import { cachedFlowBundle } from '../src/temporal/bundle.js';
import { WorkflowBundleError } from '../src/temporal/errors.js';
import { logLine } from '../src/temporal/metrics.js';
import {
  bundleFlowWorkflows,
  chooseWorkflowCode,
  createFlowWorker,
  workerOptionsFromEnv,
  WorkerSettingError,
  writeWorkflowBundle,
} from '../src/worker.js';

describe('a prebuilt workflow bundle', () => {
  it('is used while it matches its sources, and not once a source changes or the bundle is gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pft-bundle-'));
    try {
      const sources = join(dir, 'src');
      const file = join(sources, 'flow.ts');
      mkdirSync(sources);
      writeFileSync(file, 'export const version = 1;\n');
      const options = { bundlePath: join(dir, 'out', 'bundle.js'), sources: [sources] };
      expect(chooseWorkflowCode(options)).toMatchObject({ kind: 'source', reason: expect.stringContaining('no prebuilt bundle at') });
      await writeWorkflowBundle(join(import.meta.dirname, 'flows', 'workflows.ts'), options);
      expect(chooseWorkflowCode(options)).toEqual({
        kind: 'prebuilt',
        codePath: options.bundlePath,
        reason: expect.stringContaining('the prebuilt bundle at'),
      });
      // The project copied elsewhere, bundle and sources together, keeps its bundle.
      const moved = mkdtempSync(join(tmpdir(), 'pft-bundle-moved-'));
      cpSync(dir, moved, { recursive: true });
      const movedOptions = { bundlePath: join(moved, 'out', 'bundle.js'), sources: [join(moved, 'src')] };
      expect(chooseWorkflowCode(movedOptions)).toMatchObject({ kind: 'prebuilt', codePath: movedOptions.bundlePath });
      rmSync(moved, { recursive: true, force: true });
      writeFileSync(file, 'export const version = 2;\n');
      expect(chooseWorkflowCode(options)).toMatchObject({ kind: 'source', reason: expect.stringContaining('is older than its sources') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a cached workflow bundle (steps, fork, check-replay)', () => {
  it("is bundled once and read back while the project's sources stay as they are, and bundled again once one changes", async () => {
    const project = mkdtempSync(join(tmpdir(), 'pft-bundle-cache-'));
    try {
      mkdirSync(join(project, 'node_modules'));
      // The bundler finds the SDK from the project, as in a project that installed it.
      symlinkSync(join(import.meta.dirname, '..', 'node_modules', '@temporalio'), join(project, 'node_modules', '@temporalio'));
      writeFileSync(join(project, 'package.json'), '{ "name": "cached", "type": "module" }\n');
      const entry = join(project, 'workflows.ts');
      const reexport = `export { default, pocketflowBatchChunk, pocketflowBatchFlowChunk } from ${JSON.stringify(join(import.meta.dirname, 'flows', 'workflows.ts'))};\n`;
      writeFileSync(entry, reexport);
      const first = await cachedFlowBundle(entry, { recordSteps: true });
      expect(first.cached).toBe(false);
      const again = await cachedFlowBundle(entry, { recordSteps: true });
      expect(again).toEqual({ code: first.code, cached: true });
      // The plain bundle is kept apart from the recording one.
      expect((await cachedFlowBundle(entry)).code).not.toBe(first.code);
      writeFileSync(entry, `// changed\n${reexport}`);
      expect((await cachedFlowBundle(entry, { recordSteps: true })).cached).toBe(false);
      expect(readdirSync(join(project, 'node_modules', '.cache', 'pocketflow-temporal')).filter((name) => name.endsWith('.js'))).toHaveLength(3);
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});

describe('worker options from the environment', () => {
  it('reads the limits and the sticky timeout, and leaves unset or empty ones out', () => {
    expect(
      workerOptionsFromEnv({
        TEMPORAL_WORKER_MAX_CACHED_WORKFLOWS: '0',
        TEMPORAL_WORKER_MAX_CONCURRENT_ACTIVITIES: '200',
        TEMPORAL_WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES: '',
        TEMPORAL_WORKER_STICKY_TIMEOUT: '500ms',
      }),
    ).toEqual({ maxCachedWorkflows: 0, maxConcurrentActivityTaskExecutions: 200, stickyQueueScheduleToStartTimeout: '500ms' });
    expect(workerOptionsFromEnv({})).toEqual({});
  });

  it('names the variable and the value it cannot use', () => {
    expect(() => workerOptionsFromEnv({ TEMPORAL_WORKER_MAX_CONCURRENT_ACTIVITIES: 'lots' })).toThrow(
      new WorkerSettingError('TEMPORAL_WORKER_MAX_CONCURRENT_ACTIVITIES must be a whole number of at least 1, got "lots".'),
    );
    expect(() => workerOptionsFromEnv({ TEMPORAL_WORKER_STICKY_TIMEOUT: 'soon' })).toThrow(
      'TEMPORAL_WORKER_STICKY_TIMEOUT must be a duration such as 1s or 500ms, got "soon".',
    );
  });
});

describe('a workflow bundle that cannot serve the flows', () => {
  const noConnection = { taskQueue: 'never-polled', versioning: false as const, log: () => {} };

  it('is refused at start, before connecting, with one line that says what to export', async () => {
    const workflowsPath = join(import.meta.dirname, 'flows', 'workflows-no-default.ts');
    const refusal = await createFlowWorker({ ...noConnection, flows: testFlows, workflowsPath }).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(WorkflowBundleError);
    const message = (refusal as Error).message;
    expect(message).toBe(
      `${workflowsPath} does not export the flow workflow as its default export, pocketflowBatchChunk, pocketflowBatchFlowChunk, ` +
        'so no flow run could start. Export them: const workflows = createFlowWorkflows(flows); export default workflows.flow; ' +
        'export const { pocketflowBatchChunk, pocketflowBatchFlowChunk } = workflows;',
    );
    expect(message).not.toContain('\n');
  });

  it('is refused when it serves other flows than the worker registers', async () => {
    const bundle = await bundleFlowWorkflows(join(import.meta.dirname, 'flows', 'workflows-changed.ts'));
    await expect(createFlowWorker({ ...noConnection, flows: testFlows, workflowBundle: bundle })).rejects.toThrow(
      new RegExp(
        `^The workflow bundle given serves 3 flows and the worker registers ${testFlows.names.length}: the worker registers ` +
          "'retries-counted-by-attempt', 'fallback', 'default-fallback-rethrows', 'batch-order', 'parallel-overlap' and " +
          `${testFlows.names.length - 8} more, which it does not serve\\. Build the bundle and the worker from the same flows module\\.$`,
      ),
    );
    expect(changedTestFlows.names).toEqual(['replay-demo', 'post-throws', 'approval-then-post-throws']);
  });
});

describe("the worker's log lines", () => {
  it('writes an entry on one line: time, level, message, and its metadata as JSON with errors by name and message', () => {
    const entry = {
      level: 'WARN' as const,
      message: 'Activity failed',
      timestampNanos: 1_764_700_000_123_000_000n,
      meta: { sdkComponent: 'activity', nested: { taskQueue: 'q', attempt: 2 }, error: new TypeError('boom\nsecond line') },
    };
    expect(logLine(entry)).toBe(
      '2025-12-02T18:26:40.123Z [WARN] Activity failed ' +
        '{"sdkComponent":"activity","nested":{"taskQueue":"q","attempt":2},"error":"TypeError: boom\\nsecond line"}',
    );
    expect(logLine({ level: 'INFO', message: 'Worker state changed', timestampNanos: 0n })).toBe(
      '1970-01-01T00:00:00.000Z [INFO] Worker state changed',
    );
  });
});
