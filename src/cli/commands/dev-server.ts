/** `server start`, `server stop` and `server status`: the local dev server that `run` or `attach` start in the background. */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isServerReachable } from '../../temporal/dev-server.js';
import { type CliContext, dataDir } from '../context.js';
import { devServerPidFile, ensureServer, localServerPorts } from '../server.js';

/** True while a process with this pid exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** True unless the process is known (on Linux) to be something other than a Temporal dev server. */
function isDevServer(pid: number): boolean {
  const cmdline = `/proc/${pid}/cmdline`;
  return !existsSync(cmdline) || readFileSync(cmdline, 'utf8').includes('start-dev');
}

/** Starts the local dev server in the background unless a server answers, then says where it is. */
export async function startDevServerCommand(ctx: CliContext): Promise<number> {
  const configured = process.env['TEMPORAL_ADDRESS'] || process.env['TEMPORAL_PROFILE'];
  if (configured) {
    ctx.out(`TEMPORAL_ADDRESS or TEMPORAL_PROFILE is set (${configured}): the command line uses that server and starts none. Unset it to use a local dev server.\n`);
    return 0;
  }
  await ensureServer(ctx);
  return devServerStatusCommand(ctx);
}

/** Stops the dev server recorded in the data folder, and waits until it has exited. */
export async function stopDevServerCommand(ctx: CliContext): Promise<number> {
  const file = devServerPidFile();
  if (!existsSync(file)) {
    ctx.out(`No local dev server was started by pocketflow-temporal (no ${file}).\n`);
    return 0;
  }
  const pid = runningDevServer();
  if (pid === undefined) {
    rmSync(file, { force: true });
    ctx.out('The local dev server is not running.\n');
    return 0;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (alive(pid) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (alive(pid)) {
    process.kill(pid, 'SIGKILL');
  }
  rmSync(file, { force: true });
  ctx.out(`Stopped the local dev server (pid ${pid}); its runs are kept in its database for the next start.\n`);
  return 0;
}

/** The pid of the dev server recorded in the data folder, when that process still runs and is one. */
function runningDevServer(): number | undefined {
  const file = devServerPidFile();
  if (!existsSync(file)) {
    return undefined;
  }
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && alive(pid) && isDevServer(pid) ? pid : undefined;
}

/** Says whether the local dev server runs, where it answers, its Web UI and its data. */
export async function devServerStatusCommand(ctx: CliContext): Promise<number> {
  const { port, uiPort } = localServerPorts();
  const address = `127.0.0.1:${port}`;
  const pid = runningDevServer();
  const answers = await isServerReachable(address, 1000);
  const lines = [
    pid === undefined
      ? `No local dev server started by pocketflow-temporal is running${answers ? `, but a server answers on ${address}` : ''}.`
      : `The local dev server runs (pid ${pid}) on ${address}${answers ? '' : ', but does not answer yet'}.`,
  ];
  if (pid !== undefined) {
    lines.push(`Web UI: http://127.0.0.1:${uiPort}`, `Data:   ${join(dataDir(), 'temporal.db')} (log: ${join(dataDir(), 'temporal-server.log')})`);
  }
  ctx.out(`${lines.join('\n')}\n`);
  return 0;
}
