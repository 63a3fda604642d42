/** `dev-server stop`: stops the local dev server that `run` or `attach` started in the background. */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import type { CliContext } from '../context.js';
import { devServerPidFile } from '../server.js';

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

/** Stops the dev server recorded in the data folder, and waits until it has exited. */
export async function stopDevServerCommand(ctx: CliContext): Promise<number> {
  const file = devServerPidFile();
  if (!existsSync(file)) {
    ctx.out(`No local dev server was started by pocketflow-temporal (no ${file}).\n`);
    return 0;
  }
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid) || !isDevServer(pid)) {
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
