// The command line works for any project that a project file describes, not only the Recipe Finder.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, isServerReachable } from '../src/temporal/dev-server.js';
import { flowResult, getFlowState } from '../src/temporal/client.js';
import { runCli, startCli } from './setup/cli.js';
import { address, connectClient, withWorker } from './setup/harness.js';

const PROJECT = 'test/flows/project.config.ts';

/** Waits until the run's pending prompt comes from `node`. */
async function promptOf(workflowId: string, node: string): Promise<void> {
  const client = await connectClient();
  for (let tries = 0; tries < 150; tries++) {
    const state = await getFlowState(client, workflowId).catch(() => undefined);
    if (state?.pending.some((p) => p.node === node)) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no prompt from ${node} on ${workflowId}`);
}

describe('the command line with another project', () => {
  it('starts, shows, answers and lists runs of the project named by --config', async () => {
    await withWorker('cli-project', async (taskQueue) => {
      const env = { TEMPORAL_TASK_QUEUE: taskQueue };
      const workflowId = `cli-project-${taskQueue}`;
      const started = await runCli(['start', '--config', PROJECT, '--id', workflowId, '--shared', '{"seed":7}'], { env });
      expect(started).toMatchObject({ code: 0, stdout: `${workflowId}\n` });
      const port = Number(address().split(':')[1]);
      expect(started.stderr).toBe(`Watch it at http://127.0.0.1:${port + 1000}/namespaces/default/workflows/${workflowId}\n`);
      await promptOf(workflowId, 'AskName');
      const status = await runCli(['status', workflowId, '--json', '--config', PROJECT], { env });
      const shown = JSON.parse(status.stdout) as { flow: string; state: { pending: Array<{ node: string }> } };
      expect(shown.flow).toBe('human-input');
      expect(shown.state.pending.map((p) => p.node)).toEqual(['AskName']);
      expect((await runCli(['respond', workflowId, 'Ada', '--config', PROJECT], { env })).code).toBe(0);
      await promptOf(workflowId, 'Approve');
      const approved = await runCli(['approve', workflowId, '--config', PROJECT], { env });
      expect(approved.stdout).toContain('accepted "y"');
      const client = await connectClient();
      expect((await flowResult(client, workflowId)).shared).toEqual({ seed: 7, name: 'Ada', approved: true, trail: ['welcome:{}'] });
      const listed = await runCli(['list', '--config', PROJECT], { env });
      expect(listed.stdout).toMatch(new RegExp(`^${workflowId}\\tCOMPLETED\\thuman-input\\t`, 'm'));
    });
  });

  it('draws any registered flow, and says what is missing without a project file', async () => {
    const graph = await runCli(['graph', 'nested-flow', '--config', PROJECT]);
    expect(graph.code).toBe(0);
    expect(graph.stdout).toMatch(/^flowchart TD\n/);
    expect(graph.stdout).toContain('subgraph');
    const missing = await runCli(['graph', '--config', 'no-such.config.ts']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      "error: 'graph' needs the project's flows, and there is no no-such.config.ts. Run it in the project's folder, " +
        'pass --config <file>, or create pocketflow.config.ts (see README: The command line).\n',
    );
  });

  it('stops the dev server it started in the background, and says so when there is none', async () => {
    const data = mkdtempSync(join(tmpdir(), 'pft-devserver-'));
    const port = await freePort();
    const env = {
      TEMPORAL_ADDRESS: '',
      TEMPORAL_DEV_PORT: String(port),
      TEMPORAL_DEV_UI_PORT: String(await freePort()),
      POCKETFLOW_TEMPORAL_DATA: data,
      RECIPE_API_URL: 'http://127.0.0.1:1/?i=',
    };
    const started = await runCli(['run'], { env, stdin: '' });
    expect(started.code).toBe(0);
    expect(started.stdout).toContain(`No Temporal server on 127.0.0.1:${port}; starting a local dev server...`);
    expect(started.stdout).toContain('Stop it with: npx pocketflow-temporal server stop');
    expect(await isServerReachable(`127.0.0.1:${port}`)).toBe(true);
    const status = await runCli(['server', 'status'], { env });
    expect(status.stdout).toMatch(new RegExp(`^The local dev server runs \\(pid \\d+\\) on 127\\.0\\.0\\.1:${port}\\.\\nWeb UI: http://127\\.0\\.0\\.1:\\d+\\nData: `));
    const stopped = await runCli(['server', 'stop'], { env });
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toMatch(/^Stopped the local dev server \(pid \d+\)/);
    expect(await isServerReachable(`127.0.0.1:${port}`, 1000)).toBe(false);
    const after = await runCli(['server', 'status'], { env });
    expect(after.stdout).toBe('No local dev server started by pocketflow-temporal is running.\n');
    const again = await runCli(['dev-server', 'stop'], { env });
    expect(again.stdout).toBe(`No local dev server was started by pocketflow-temporal (no ${join(data, 'temporal-server.pid')}).\n`);
  });
});

describe('the worker command', () => {
  it("serves Temporal's worker metrics for Prometheus when POCKETFLOW_METRICS_ADDRESS is set", async () => {
    const metricsAddress = `127.0.0.1:${await freePort()}`;
    const worker = startCli(['worker'], {
      env: { POCKETFLOW_METRICS_ADDRESS: metricsAddress, TEMPORAL_TASK_QUEUE: `metrics-${Date.now()}` },
    });
    try {
      let body = '';
      for (let tries = 0; tries < 100 && !/^temporal_num_pollers\{/m.test(body); tries++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        body = await fetch(`http://${metricsAddress}/metrics`).then(
          (r) => r.text(),
          () => '',
        );
      }
      expect(body).toMatch(/^temporal_num_pollers\{.*poller_type="workflow_task".*\} \d+/m);
      expect(body).toMatch(/^temporal_worker_task_slots_available\{/m);
      expect(worker.output().stdout).toContain(`Metrics for Prometheus at http://${metricsAddress}/metrics.`);
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
  });

  it('refuses a malformed metrics address in one line', async () => {
    const result = await runCli(['worker'], { env: { POCKETFLOW_METRICS_ADDRESS: 'localhost:9464' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'error: POCKETFLOW_METRICS_ADDRESS must be an IP address and a port, such as 127.0.0.1:9464 or [::1]:9464 (0.0.0.0:9464 in a container), got "localhost:9464".\n',
    );
  });
});

