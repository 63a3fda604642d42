// The package as users get it: `npm pack` builds what it ships; `pocketflow-temporal init`, run
// from the tarball, writes a fresh project outside the repository (the README's publish flow in
// the Recipe Finder's shape), which installs the tarball, typechecks against the shipped types,
// runs in-process, runs on Temporal with its own worker and the command line, and passes its own tests.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify, stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowResult } from '../src/temporal/client.js';
import { freePort } from '../src/temporal/dev-server.js';
import { address, connectClient, uniqueQueue, waitFor } from './setup/harness.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'pft-package-'));
const project = join(work, 'user-project');
let tarball = '';
let shipped: string[] = [];
let initSaid = '';
let scaffolded: { dependencies: Record<string, string>; devDependencies: Record<string, string> };

/** Runs a command in the user's project, as the user would from a shell there. */
const inProject = (command: string, args: string[], env: Record<string, string> = {}) =>
  run(command, args, { cwd: project, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 });

beforeAll(async () => {
  const packed = await run('npm', ['pack', '--pack-destination', work, '--json'], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = join(work, info!.filename);
  shipped = info!.files.map((file) => file.path);
  const init = await run('npm', ['exec', '--yes', `--package=${tarball}`, '--', 'pocketflow-temporal', 'init', 'user-project'], {
    cwd: work,
    maxBuffer: 16 * 1024 * 1024,
  });
  initSaid = init.stdout;
  scaffolded = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as typeof scaffolded;
  // The scaffold depends on the library by version; until that version is published, the tarball stands in for it.
  await inProject('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund']);
}, 600_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('the package', () => {
  it('ships the compiled library with its types and source maps, the command, and nothing else', () => {
    for (const entry of ['index', 'workflow', 'client', 'worker', 'dev-server', 'cli/index']) {
      for (const ext of ['.js', '.d.ts', '.js.map']) {
        expect(shipped, `${entry}${ext}`).toContain(`dist/src/${entry}${ext}`);
      }
    }
    expect(shipped).toContain('bin/pocketflow-temporal.mjs');
    expect(shipped).toContain('dist/src/cli/main.js');
    const stray = shipped.filter(
      (path) => !/^(bin\/|dist\/src\/.*\.(js|d\.ts|js\.map)$|templates\/starter\/|README\.md$|CHANGELOG\.md$|package\.json$)/.test(path),
    );
    expect(stray).toEqual([]);
    // TypeScript sources ship only as the template that init copies into a new project.
    expect(shipped.filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts') && !path.startsWith('templates/'))).toEqual([]);
    expect(shipped).toContain('templates/starter/gitignore');
  });

  it('passes publint, and the types resolve for ESM importers and bundlers (arethetypeswrong, ESM-only profile)', async () => {
    const linted = await run('npx', ['publint', tarball], { cwd: root });
    expect(linted.stdout).toContain('All good!');
    // Exits non-zero on any problem for node16 ESM or bundler resolution; CommonJS and node10 do not apply to an ESM-only package.
    const types = await run('npx', ['attw', tarball, '--profile', 'esm-only', '--format', 'table-flipped'], { cwd: root });
    const rows = stripVTControlCharacters(types.stdout).split('\n').filter((line) => line.includes('"pocketflow-temporal'));
    expect(rows).toHaveLength(6);
    for (const row of rows) {
      const [, node16Esm, bundler] = row.split('│').map((cell) => cell.trim()).filter((cell) => cell !== '');
      expect([row, node16Esm, bundler]).toEqual([row, '🟢 (ESM)', '🟢']);
    }
  });

  it('writes a new project that depends on this version of the library, and says what to type next', () => {
    expect(initSaid).toContain('Wrote a new project in user-project.');
    expect(initSaid).toContain('npm install && npm test');
    expect(scaffolded.dependencies['pocketflow-temporal']).toBe(`^${(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version}`);
    expect(Object.keys(scaffolded.dependencies)).toEqual(['@temporalio/client', '@temporalio/worker', 'pocketflow-temporal']);
    expect(Object.keys(scaffolded.devDependencies)).toEqual(['@types/node', 'tsx', 'typescript', 'vitest']);
  });

  it('typechecks the project against the shipped types with strict, and runs its flow in-process, compiled', async () => {
    await inProject('npx', ['tsc', '-p', '.']);
    const local = spawn(process.execPath, ['out/run-local.js'], { cwd: project });
    let stdout = '';
    let stderr = '';
    local.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    local.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    local.stdin.end('tides\ny\n');
    await new Promise((resolve) => local.once('exit', resolve));
    expect(stderr).toBe('');
    expect(stdout).toContain('Topic?');
    // Piped answers are not echoed, so the store follows the last prompt on its line.
    expect(JSON.parse(/\{"topic".*\}$/m.exec(stdout)?.[0] ?? '')).toEqual({
      topic: 'tides',
      draft: 'A brief note on tides.\nThe tides rise and fall twice a day.',
      counts: [5, 8],
      approved: true,
      published: true,
    });
  });

  it("runs the user's flow on Temporal with the user's own worker, driven by the command from node_modules", async () => {
    await inProject('npx', ['tsc', '-p', '.']);
    const taskQueue = uniqueQueue('package');
    const workflowId = `package-${taskQueue}`;
    const env = { TEMPORAL_ADDRESS: address(), TEMPORAL_TASK_QUEUE: taskQueue, POCKETFLOW_TEMPORAL_DATA: join(work, 'data') };
    const graph = await inProject('npx', ['pocketflow-temporal', 'graph', 'publish'], env);
    expect(graph.stdout).toContain('Draft');
    expect(graph.stdout).toContain('Review');
    const worker = await startUserWorker(env);
    try {
      const started = await inProject('npx', ['pocketflow-temporal', 'start', 'publish', '--id', workflowId], env);
      expect(started.stdout).toContain(workflowId);
      await waitFor(async () => {
        const { stdout } = await inProject('npx', ['pocketflow-temporal', 'status', workflowId], env);
        return stdout.includes('Topic?') ? true : undefined;
      }, 'the run waiting for its topic');
      await inProject('npx', ['pocketflow-temporal', 'respond', workflowId, 'tides'], env);
      await waitFor(async () => {
        const { stdout } = await inProject('npx', ['pocketflow-temporal', 'status', workflowId], env);
        return stdout.includes('Publish?') ? true : undefined;
      }, 'the approval prompt');
      // In a process group of its own: npx does not pass a SIGTERM on to the inbox it started.
      const inbox = spawn('npx', ['pocketflow-temporal', 'inbox', '--port', String(await freePort())], {
        cwd: project,
        env: { ...process.env, ...env },
        detached: true,
      });
      const inboxExited = new Promise((resolve) => inbox.once('exit', resolve));
      try {
        const url = await new Promise<string>((resolve, reject) => {
          let said = '';
          inbox.stdout.on('data', (chunk: Buffer) => {
            said += chunk.toString();
            const found = /Inbox on (\S+) /.exec(said);
            if (found !== null) {
              resolve(found[1]!);
            }
          });
          inbox.stderr.on('data', (chunk: Buffer) => (said += chunk.toString()));
          inbox.once('exit', (code) => reject(new Error(`the inbox exited with ${code}: ${said}`)));
        });
        const listed = (await (await fetch(new URL('api/waiting', url))).json()) as {
          runs: Array<{ workflowId: string; prompts: Array<{ prompt: string }> }>;
        };
        expect(listed.runs.find((r) => r.workflowId === workflowId)?.prompts[0]?.prompt).toMatch(/^Publish\?\nA brief note on tides\./);
      } finally {
        process.kill(-(inbox.pid as number), 'SIGTERM');
        await inboxExited;
      }
      await inProject('npx', ['pocketflow-temporal', 'approve', workflowId], env);
      const client = await connectClient();
      expect((await flowResult(client, workflowId)).shared).toEqual({
        topic: 'tides',
        draft: 'A brief note on tides.\nThe tides rise and fall twice a day.',
        counts: [5, 8],
        approved: true,
        published: true,
      });
      const status = await inProject('npx', ['pocketflow-temporal', 'status', workflowId], env);
      expect(status.stdout).toMatch(/Status: +COMPLETED/);
      const list = await inProject('npx', ['pocketflow-temporal', 'list'], env);
      expect(list.stdout.split('\n')[0]).toMatch(/^ID\tSTATUS\tFLOW/);
      expect(list.stdout).toMatch(new RegExp(`^${workflowId}\tCOMPLETED\tpublish\t`, 'm'));
    } finally {
      worker.kill('SIGTERM');
    }
  });

  it("holds a run's conversation with `npx pocketflow-temporal run`, starting the project's worker from its config", async () => {
    const taskQueue = uniqueQueue('package-run');
    const env = { TEMPORAL_ADDRESS: address(), TEMPORAL_TASK_QUEUE: taskQueue, POCKETFLOW_TEMPORAL_DATA: join(work, 'data-run') };
    const conversation = spawn('npx', ['pocketflow-temporal', 'run', '--id', `package-run-${taskQueue}`], {
      cwd: project,
      env: { ...process.env, ...env },
    });
    let said = '';
    conversation.stdout.on('data', (chunk: Buffer) => (said += chunk.toString()));
    conversation.stderr.on('data', (chunk: Buffer) => (said += chunk.toString()));
    conversation.stdin.end('tides\ny\n');
    const code = await new Promise((resolve) => conversation.once('exit', resolve));
    expect([code, said]).toEqual([0, expect.stringContaining('Publish?')]);
    const client = await connectClient();
    expect((await flowResult(client, `package-run-${taskQueue}`)).shared).toMatchObject({ topic: 'tides', published: true });
  });

  it("passes the new project's own tests: in-process, and on a Temporal dev server it starts", async () => {
    const tested = await inProject('npm', ['test']);
    expect(stripVTControlCharacters(tested.stdout)).toMatch(/Tests +2 passed \(2\)/);
  });
});

/** Starts `node out/workers/publish-worker.js` in the user's project and waits until it polls. */
function startUserWorker(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['out/workers/publish-worker.js'], { cwd: project, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const seen = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('worker ready')) {
        resolve(child);
      }
    };
    child.stdout?.on('data', seen);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`the user's worker exited with ${code}:\n${output}`)));
  });
}

