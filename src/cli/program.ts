/** The command line's commands and options, parsed by commander, which also writes the help. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { toMermaid } from '../core/index.js';
import { type CliContext, flowNameOf } from './context.js';
// Each command's module is loaded when the command runs, so that `graph` or `--help` never load
// the Temporal client or worker.
const conversation = () => import('./commands/conversation.js');
const runs = () => import('./commands/runs.js');
const workers = () => import('./commands/worker.js');
const devServer = () => import('./commands/dev-server.js');
const codecServer = () => import('./commands/codec-server.js');
const inbox = () => import('./commands/inbox.js');
const deploy = () => import('./commands/deploy.js');
const init = () => import('./commands/init.js');
const watch = () => import('./commands/watch.js');
const timeTravel = () => import('./commands/time-travel.js');
import type { ProjectConfig } from './project.js';

/** Where a command's exit code goes once its action has run. */
export type ExitCode = { code: number };

const wholeNumber = (name: string) => (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new InvalidArgumentError(`${name} must be a whole number of at least 1.`);
  }
  return n;
};

const offset = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw new InvalidArgumentError('--from must be an event offset: a whole number from 0 (as "Stopped at offset" said).');
  }
  return n;
};

const percentage = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 100) {
    throw new InvalidArgumentError('--ramp must be a percentage from 0 to 100.');
  }
  return n;
};

/** Adds one --set path=json to those before it (parsed where the command runs, so that --help loads nothing). */
const storeEditOf = (value: string, previous: unknown): Array<{ path: string; value: unknown }> => {
  const at = value.indexOf('=');
  if (at <= 0) {
    throw new InvalidArgumentError(`takes path=value (as in rejected='["r1"]' or user.name=Ada), got '${value}'.`);
  }
  const raw = value.slice(at + 1);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // Not JSON: the text itself, as a person would mean name=Ada.
    parsed = raw;
  }
  return [...((previous as Array<{ path: string; value: unknown }> | undefined) ?? []), { path: value.slice(0, at), value: parsed }];
};

const jsonObject = (value: string): object => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new InvalidArgumentError(`not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidArgumentError('the shared store must be a JSON object.');
  }
  return parsed;
};

/** The initial shared store from --shared and the project's shared-store options. */
function sharedFrom(options: Record<string, unknown>, project: ProjectConfig | undefined): object {
  const shared: Record<string, unknown> = { ...(options['shared'] as object | undefined) };
  for (const key of Object.keys(project?.sharedOptions ?? {})) {
    if (typeof options[key] === 'string') {
      shared[key] = options[key];
    }
  }
  return shared;
}

/** Builds the program; `project` (when there is one) adds its shared-store options to `run` and `start`. */
export function createProgram(ctx: CliContext, project: ProjectConfig | undefined, exit: ExitCode): Command {
  const program = new Command('pocketflow-temporal')
    .description('Runs PocketFlow flows on Temporal and talks to their runs.')
    .option('--config <file>', 'the project file that registers the flows', ctx.configPath)
    .showSuggestionAfterError(true)
    .exitOverride();
  const withSharedOptions = (command: Command): Command => {
    command.addOption(new Option('--shared <json>', 'the initial shared store, as a JSON object').argParser(jsonObject));
    for (const [key, help] of Object.entries(project?.sharedOptions ?? {})) {
      command.option(`--${key} <value>`, `${help} (sets shared.${key})`);
    }
    return command;
  };
  const done = (code: number): void => {
    exit.code = code;
  };

  withSharedOptions(
    program
      .command('run')
      .description('Starts a run and holds its conversation in this terminal (a local dev server is started when none answers).')
      .argument('[flow]', 'the registered flow (default: the project’s default flow)')
      .option('--id <workflowId>', 'the workflow id of the new run')
      .option('--local', 'run in-process, without Temporal')
      .option('--no-worker', 'start no worker here (one runs elsewhere)'),
  ).action(async (flow: string | undefined, options: Record<string, unknown>) =>
    done(
      await (await conversation()).runCommand(ctx, flow, {
        id: options['id'] as string | undefined,
        local: options['local'] === true,
        worker: options['worker'] !== false,
        shared: sharedFrom(options, project),
      }),
    ),
  );

  withSharedOptions(
    program
      .command('start')
      .description('Starts a run and prints its workflow id.')
      .argument('[flow]', 'the registered flow (default: the project’s default flow)')
      .option('--id <workflowId>', 'the workflow id (default: a new one)'),
  ).action(async (flow: string | undefined, options: Record<string, unknown>) =>
    done(await (await runs()).startCommand(ctx, flow, { id: options['id'] as string | undefined, shared: sharedFrom(options, project) })),
  );

  program
    .command('list')
    .description("Lists the project's flow runs (on its task queue), newest first: id, status, flow, start, and the node it is at.")
    .option('--limit <n>', 'how many runs to show', wholeNumber('--limit'), 20)
    .option('--all', 'list the runs of every task queue')
    .option('--waiting', 'only runs waiting for an answer (search attribute PocketFlowWaiting)')
    .option('--flow <flow>', 'only runs of this flow')
    .option('--forks-of <workflowId>', 'only the forks of this run (search attribute PocketFlowForkOf)')
    .action(async (options: { limit: number; all?: boolean; waiting?: boolean; flow?: string; forksOf?: string }) =>
      done(await (await runs()).listCommand(ctx, options)),
    );

  program
    .command('status')
    .description("Shows a run's status, current node, pending prompts, shared store and recent steps.")
    .argument('<workflowId>', 'the run')
    .option('--json', 'print as JSON')
    .action(async (workflowId: string, options: { json?: boolean }) => done(await (await runs()).statusCommand(ctx, workflowId, options)));

  program
    .command('respond')
    .description(
      "Answers a run's pending prompt. The run checks the answer and refuses a wrong one at once (a worker must run); " +
        'with --signal the answer is queued even while no worker runs.',
    )
    .argument('<workflowId>', 'the run')
    .argument('<answer>', 'the answer')
    .option('--request <n>', 'the request id of the prompt (see status)', wholeNumber('--request'))
    .option('--signal', 'send as a signal, processed when a worker runs')
    .action(async (workflowId: string, answer: string, options: { request?: number; signal?: boolean }) =>
      done(await (await runs()).respondCommand(ctx, workflowId, answer, options)),
    );

  const answers = project?.answers ?? { approve: 'y', reject: 'n' };
  for (const [name, answer] of Object.entries(answers)) {
    program
      .command(name)
      .description(`Answers '${answer}' to a run's pending prompt.`)
      .argument('<workflowId>', 'the run')
      .option('--signal', 'send as a signal, processed when a worker runs')
      .action(async (workflowId: string, options: { signal?: boolean }) =>
        done(await (await runs()).respondCommand(ctx, workflowId, answer, options)),
      );
  }

  program
    .command('attach')
    .description('Continues the conversation of a waiting run in this terminal.')
    .argument('<workflowId>', 'the run')
    .option('--no-worker', 'start no worker here (one runs elsewhere)')
    .action(async (workflowId: string, options: { worker: boolean }) => done(await (await conversation()).attachCommand(ctx, workflowId, options)));

  program
    .command('watch')
    .description(
      "Prints a run's events as they happen (steps started and finished, retries, streamed text, prompts, answers) until it ends; " +
        'stopped with Ctrl-C, it says the offset to go on from.',
    )
    .argument('<workflowId>', 'the run')
    .option('--from <offset>', 'the offset of the first event to print (default 0, the first event of the run)', offset)
    .option('--json', 'one event per line, as JSON, for scripts')
    .action(async (workflowId: string, options: { from?: number; json?: boolean }) => done(await (await watch()).watchCommand(ctx, workflowId, options)));

  program
    .command('steps')
    .description(
      "Lists every step of a run, running or closed, from its history with no worker up: number, flow path, node, action, exec input and " +
        "result, answers, and what it changed in the store. Replays the history with this project's workflow code.",
    )
    .argument('<workflowId>', 'the run')
    .option('--json', 'print the steps as JSON, each with the store before and after it')
    .option('--store', 'print the whole store after each step instead of what it changed')
    .action(async (workflowId: string, options: { json?: boolean; store?: boolean }) =>
      done(await (await timeTravel()).stepsCommand(ctx, workflowId, options)),
    );

  program
    .command('fork')
    .description(
      'Starts a new run at a step of a run (which is left as it is), with the store as it was before that step, edited; exec results ' +
        'whose node, item and input are unchanged are re-used, so only what changed calls its LLM again.',
    )
    .argument('<workflowId>', 'the run to fork')
    .requiredOption('--at <step>', 'the step to start at (see steps)', wholeNumber('--at'))
    .option('--set <path=json>', 'set a value in the store, by dotted path (repeatable): --set rejected=\'["r1"]\'', (value: string, previous: unknown) =>
      storeEditOf(value, previous),
    )
    .option('--shared-file <file>', 'start from the store in this JSON file instead of the step\'s (--set applies after)')
    .option('--id <workflowId>', 'the workflow id of the new run (default: <id>-fork-<step>-<time>)')
    .addOption(new Option('--rerun <which>', 'which execs run again: changed (input differs) or all').choices(['changed', 'all']).default('changed'))
    .addOption(new Option('--answers <how>', 'ask every prompt again, or reuse an answer where the prompt is identical').choices(['ask', 'reuse']).default('ask'))
    .addOption(new Option('--build <which>', 'start on the current build, or on the source run\'s (Worker Versioning)').choices(['current', 'source']).default('current'))
    .action(async (workflowId: string, options: Parameters<Awaited<ReturnType<typeof timeTravel>>['forkCommand']>[2]) =>
      done(await (await timeTravel()).forkCommand(ctx, workflowId, options)),
    );

  program
    .command('graph')
    .description("Prints a flow's graph as a Mermaid flowchart.")
    .argument('[flow]', 'the registered flow (default: the project’s default flow)')
    .action(async (flow: string | undefined) => {
      const found = await ctx.needProject('graph');
      ctx.out(`${toMermaid(found.flows.build(flowNameOf(found, flow)))}\n`);
      done(0);
    });

  program
    .command('worker')
    .description("Runs the project's worker until SIGINT or SIGTERM.")
    .action(async () => done(await (await workers()).workerCommand(ctx)));

  const deploymentOption = (): Option =>
    new Option('--deployment <name>', 'the Worker Deployment (default: TEMPORAL_DEPLOYMENT_NAME)');

  program
    .command('versions')
    .description("Lists the deployment's builds: which is current or ramping, and how many open runs each still holds.")
    .addOption(deploymentOption())
    .action(async (options: { deployment?: string }) => done(await (await deploy()).versionsCommand(ctx, options)));

  program
    .command('promote')
    .description('Makes a build the current version (new runs start on it), or with --ramp gives it a share of new runs.')
    .argument('<buildId>', 'the build (see versions)')
    .addOption(deploymentOption())
    .option('--ramp <percent>', 'ramp instead: the share of new runs that start on it', percentage)
    .action(async (buildId: string, options: { deployment?: string; ramp?: number }) =>
      done(await (await deploy()).promoteCommand(ctx, buildId, options)),
    );

  program
    .command('check-replay')
    .description(
      "Replays the histories of open runs against this checkout's workflow code, with no worker and no change on the server; " +
        'prints each run that would break, with the node where the code parts from its history. Exit 1 when any would.',
    )
    .option('--flow <flow>', 'only runs of this flow')
    .option('--query <filter>', "only runs this list filter finds (Temporal's visibility query)")
    .option('--limit <n>', 'at most this many open runs', wholeNumber('--limit'), 1000)
    .option('--closed <n>', 'also the n most recent closed runs', wholeNumber('--closed'))
    .action(async (options: { flow?: string; query?: string; limit: number; closed?: number }) =>
      done(await (await deploy()).checkReplayCommand(ctx, options)),
    );

  program
    .command('upgrade')
    .description(
      "Moves pinned runs to another build, each only once its history replays cleanly against that build's code (this " +
        'checkout); a run that would diverge is refused and left where it is. Exit 1 when any is refused.',
    )
    .argument('[workflowId]', 'the run (or give --query)')
    .requiredOption('--to <buildId>', "the build to move to: this checkout's (see versions)")
    .option('--query <filter>', 'every open run this list filter finds')
    .option('--limit <n>', 'at most this many runs with --query', wholeNumber('--limit'), 1000)
    .action(async (workflowId: string | undefined, options: { to: string; query?: string; limit: number }) =>
      done(await (await deploy()).upgradeCommand(ctx, workflowId, options)),
    );

  /** A command that serves HTTP on this machine until stopped: its --port and --host. */
  const serving = (name: string, description: string, port: number): Command =>
    program
      .command(name)
      .description(description)
      .option('--port <n>', 'the port to listen on', wholeNumber('--port'), port)
      .option('--host <host>', 'the address to listen on', '127.0.0.1');

  serving(
    'inbox',
    'Serves a local web page that lists every run waiting for an answer, across flows, and answers them (needs the ' +
      'PocketFlowWaiting search attribute), until SIGINT or SIGTERM.',
    8090,
  ).action(async (options: { port: number; host: string }) => done(await (await inbox()).inboxCommand(ctx, options)));

  serving(
    'codec-server',
    'Serves the encryption codec (keys from POCKETFLOW_ENCRYPTION_KEYS) so that the Temporal Web UI and CLI show payloads ' +
      'decoded, until SIGINT or SIGTERM. A bearer token is required when POCKETFLOW_CODEC_TOKEN is set.',
    8888,
  )
    .option('--ui-origin <url...>', 'the Web UI origins allowed to call it', ['http://localhost:8233', 'http://127.0.0.1:8233'])
    .action(async (options: { port: number; host: string; uiOrigin: string[] }) =>
      done(await (await codecServer()).codecServerCommand(ctx, options)),
    );

  program
    .command('init')
    .description("Writes a new project with the Recipe Finder's shape (a flow, its worker, pocketflow.config.ts, tests) into a new folder.")
    .argument('<dir>', 'the folder to create (new or empty)')
    .action(async (dir: string) => done(await (await init()).initCommand(ctx, dir)));

  const server = program
    .command('server')
    .alias('dev-server')
    .description('The local Temporal dev server that run and attach start when none answers.');
  server
    .command('start')
    .description('Starts it in the background (unless a server answers), for commands that need a server but start none.')
    .action(async () => done(await (await devServer()).startDevServerCommand(ctx)));
  server
    .command('stop')
    .description('Stops it; its runs stay in its database for the next start.')
    .action(async () => done(await (await devServer()).stopDevServerCommand(ctx)));
  server
    .command('status')
    .description('Says whether it runs, where it answers, its Web UI and where its data is.')
    .action(async () => done(await (await devServer()).devServerStatusCommand(ctx)));

  return program;
}
