#!/usr/bin/env node
/**
 * pocketflow-temporal: start, watch and answer flow runs on Temporal, for the project that
 * `pocketflow.config.ts` describes. Exit codes: 0 done, 1 an error (one line on stderr), 2 a
 * usage mistake, 130 interrupted.
 */
import { parseArgs } from 'node:util';
import { CommanderError } from 'commander';
import { createContext, UsageError } from './context.js';
import { createProgram, type ExitCode } from './program.js';
import { PROJECT_FILE } from './project.js';

const out = (text: string): void => {
  process.stdout.write(text);
};

/** Runs the command line on `argv` (without the node and script paths) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const early = parseArgs({ args: argv, options: { config: { type: 'string' } }, strict: false, allowPositionals: true });
  const configPath = typeof early.values['config'] === 'string' ? early.values['config'] : process.env['POCKETFLOW_CONFIG'] || PROJECT_FILE;
  const ctx = createContext(configPath, out);
  const exit: ExitCode = { code: 0 };
  try {
    const program = createProgram(ctx, await ctx.project(), exit);
    if (argv.length === 0) {
      program.outputHelp();
      return 2;
    }
    await program.parseAsync(argv, { from: 'user' });
    return exit.code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has already printed the help or the one-line error.
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2;
    }
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return error instanceof UsageError ? 2 : 1;
  }
}

/**
 * Exits once what was written has left: past a pipe's buffer (64 KiB), a write waits in the
 * stream, and exiting at once would cut the output (a long run's steps) short.
 */
function exitAfterOutput(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

main(process.argv.slice(2)).then(exitAfterOutput, (error: unknown) => {
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  exitAfterOutput(1);
});
