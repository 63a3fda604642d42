// Runs the real command line in a child process, as a person would from a shell.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { address } from './harness.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const root = join(import.meta.dirname, '..', '..');

/** A command still running: what it printed so far, and its exit once it ends. */
export interface RunningCli {
  child: ChildProcess;
  output(): { stdout: string; stderr: string };
  exited: Promise<CliResult>;
}

/** Starts `pocketflow-temporal <args>` against the test server, with `stdin` as the person's typing. */
export function startCli(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): RunningCli {
  const child = spawn(process.execPath, [join(root, 'bin/pocketflow-temporal.mjs'), ...args], {
    cwd: root,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: address(),
      POCKETFLOW_TEMPORAL_DATA: mkdtempSync(join(tmpdir(), 'pft-cli-')),
      ...options.env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin?.end(options.stdin ?? '');
  const exited = new Promise<CliResult>((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
  return { child, output: () => ({ stdout, stderr }), exited };
}

/** Runs `pocketflow-temporal <args>` to its end. */
export function runCli(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  return startCli(args, options).exited;
}
