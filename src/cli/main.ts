#!/usr/bin/env node
/**
 * pocketflow-temporal: run the Recipe Finder and talk to flow runs on Temporal.
 * Exit codes: 0 done, 1 an error (one line on stderr), 2 a usage mistake, 130 interrupted.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type Client, WorkflowFailedError } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { createRecipeServices, recipeConfigFromEnv } from '../../activities/recipe-io.js';
import { InputClosedError, PocketFlowError, silentLogger, TerminalInput, toMermaid, UnknownFlowError } from '../core/index.js';
import type { RecipeShared } from '../recipe/flow.js';
import { DEFAULT_TASK_QUEUE, RECIPE_FLOW, recipeFlows } from '../recipe/flows.js';
import { createRecipeWorker } from '../recipe/worker.js';
import { answerFlow, flowResult, getFlowState, startFlow, UnknownRunError } from '../temporal/client.js';
import { connectClient, type ConnectionSettings, connectionSettings } from '../temporal/connection.js';
import { FLOW_WORKFLOW_TYPE, type FlowRunState } from '../temporal/definitions.js';
import { isServerReachable, startDevServer } from '../temporal/dev-server.js';
import { type CommandSpec, helpText, parseArgs, type Parsed, UsageError } from './args.js';
import { converse, transcriptOf } from './conversation.js';

const out = (text: string): void => {
  process.stdout.write(text);
};

const taskQueue = (): string => process.env['TEMPORAL_TASK_QUEUE'] || DEFAULT_TASK_QUEUE;
const dataDir = (): string =>
  process.env['POCKETFLOW_TEMPORAL_DATA'] || join(homedir(), '.local', 'share', 'pocketflow-temporal');

const COMMANDS: Record<string, CommandSpec & { run: (args: Parsed) => Promise<number> }> = {
  recipe: {
    summary:
      'Runs the Recipe Finder on Temporal and holds the conversation in this terminal. Uses TEMPORAL_ADDRESS ' +
      'when set, a server on 127.0.0.1:7233 when one answers, and otherwise starts a local dev server ' +
      '(kept running, with its database and Web UI) so that runs survive this command.',
    usage: 'pocketflow-temporal recipe [--ingredient <name>] [--id <workflow id>] [--local] [--no-worker]',
    positionals: [0, 0],
    options: {
      ingredient: { value: true, help: 'Skip the ingredient question.' },
      id: { value: true, help: 'The workflow id of the new run.' },
      local: { value: false, help: 'Run in-process, without Temporal.' },
      'no-worker': { value: false, help: 'Do not start a worker here (one runs elsewhere).' },
    },
    run: runRecipe,
  },
  start: {
    summary: 'Starts a flow run and prints its workflow id.',
    usage: 'pocketflow-temporal start [--flow recipe-finder] [--id <id>] [--ingredient <name>] [--shared <json>]',
    positionals: [0, 0],
    options: {
      flow: { value: true, help: `The registered flow (default ${RECIPE_FLOW}).` },
      id: { value: true, help: 'The workflow id (default: a new one).' },
      ingredient: { value: true, help: 'Recipe Finder: the ingredient, so it is not asked.' },
      shared: { value: true, help: 'The initial shared store, as a JSON object.' },
    },
    run: runStart,
  },
  list: {
    summary: 'Lists flow runs, newest first.',
    usage: 'pocketflow-temporal list [--limit <n>]',
    positionals: [0, 0],
    options: { limit: { value: true, help: 'How many runs to show (default 20).' } },
    run: runList,
  },
  status: {
    summary: "Shows a run's status, current node, pending prompt, shared store and recent steps.",
    usage: 'pocketflow-temporal status <workflow id> [--json]',
    positionals: [1, 1],
    options: { json: { value: false, help: 'Print the state as JSON.' } },
    run: runStatus,
  },
  respond: {
    summary:
      "Answers a run's pending prompt. By default the run checks the answer and refuses a wrong one at once " +
      '(a worker must be running); with --signal the answer is queued even while no worker runs.',
    usage: 'pocketflow-temporal respond <workflow id> <answer> [--request <n>] [--signal]',
    positionals: [2, 2],
    options: {
      request: { value: true, help: 'The request id of the prompt (see status).' },
      signal: { value: false, help: 'Send as a signal, processed when a worker runs.' },
    },
    run: (args) => runRespond(args.positionals[0] as string, args.positionals[1] as string, args),
  },
  approve: {
    summary: "Answers 'y' to a run's pending prompt.",
    usage: 'pocketflow-temporal approve <workflow id> [--signal]',
    positionals: [1, 1],
    options: { signal: { value: false, help: 'Send as a signal, processed when a worker runs.' } },
    run: (args) => runRespond(args.positionals[0] as string, 'y', args),
  },
  reject: {
    summary: "Answers 'n' to a run's pending prompt.",
    usage: 'pocketflow-temporal reject <workflow id> [--signal]',
    positionals: [1, 1],
    options: { signal: { value: false, help: 'Send as a signal, processed when a worker runs.' } },
    run: (args) => runRespond(args.positionals[0] as string, 'n', args),
  },
  attach: {
    summary: 'Re-attaches to a waiting run and continues its conversation in this terminal.',
    usage: 'pocketflow-temporal attach <workflow id> [--no-worker]',
    positionals: [1, 1],
    options: { 'no-worker': { value: false, help: 'Do not start a worker here (one runs elsewhere).' } },
    run: runAttach,
  },
  graph: {
    summary: "Prints a flow's graph as a Mermaid flowchart.",
    usage: `pocketflow-temporal graph [flow (default ${RECIPE_FLOW})]`,
    positionals: [0, 1],
    options: {},
    run: runGraph,
  },
  worker: {
    summary: 'Runs a worker for the registered flows until SIGINT or SIGTERM.',
    usage: 'pocketflow-temporal worker',
    positionals: [0, 0],
    options: {},
    run: runWorkerCommand,
  },
};

function mainHelp(): string {
  const lines = ['Usage: pocketflow-temporal <command> [options]', '', 'Commands:'];
  for (const [name, spec] of Object.entries(COMMANDS)) {
    lines.push(`  ${name.padEnd(10)}${spec.summary.split('. ')[0]?.replace(/\.$/, '')}.`);
  }
  lines.push('', "Run 'pocketflow-temporal <command> --help' for a command's options.");
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    out(`${mainHelp()}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    process.stderr.write(`error: unknown command '${name}'.\n${mainHelp()}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    out(`${helpText(command)}\n`);
    return 0;
  }
  try {
    return await command.run(parseArgs(name, command, rest));
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

/** Keeps the worker runtime's log out of the conversation: warnings go to a file. */
function installQuietRuntime(): string {
  const logFile = join(dataDir(), 'worker.log');
  mkdirSync(dataDir(), { recursive: true });
  Runtime.install({
    logger: new DefaultLogger('WARN', (entry) => {
      appendFileSync(logFile, `${new Date().toISOString()} ${entry.level} ${entry.message} ${JSON.stringify(entry.meta ?? {})}\n`);
    }),
  });
  return logFile;
}

/** Connects to TEMPORAL_ADDRESS, or a local server, starting one when none answers. */
async function ensureServer(): Promise<{ settings: ConnectionSettings; uiUrl: string | undefined }> {
  if (process.env['TEMPORAL_ADDRESS'] || process.env['TEMPORAL_PROFILE']) {
    return { settings: connectionSettings(), uiUrl: process.env['TEMPORAL_UI_URL'] };
  }
  const port = Number(process.env['TEMPORAL_DEV_PORT'] || 7233);
  const uiPort = Number(process.env['TEMPORAL_DEV_UI_PORT'] || port + 1000);
  const address = `127.0.0.1:${port}`;
  const uiUrl = process.env['TEMPORAL_UI_URL'] || `http://127.0.0.1:${uiPort}`;
  if (!(await isServerReachable(address))) {
    out(`No Temporal server on ${address}; starting a local dev server (first time: installing the Temporal CLI)...\n`);
    const server = await startDevServer({
      port,
      uiPort,
      dbFilename: join(dataDir(), 'temporal.db'),
      logFile: join(dataDir(), 'temporal-server.log'),
      detached: true,
      log: (message) => out(`${message}\n`),
    });
    out(`Temporal dev server running (pid ${server.pid}), data in ${join(dataDir(), 'temporal.db')}.\n`);
    out(`Stop it with: kill ${server.pid}\n`);
  }
  return { settings: connectionSettings(address), uiUrl };
}

async function startLocalWorker(settings: ConnectionSettings): Promise<{ worker: Worker; done: Promise<void> }> {
  const connection = await NativeConnection.connect(settings.options);
  const worker = await createRecipeWorker({ connection, namespace: settings.namespace, taskQueue: taskQueue() });
  const done = worker.run().finally(() => connection.close());
  return { worker, done };
}

/** Runs the conversation with a run, starting a worker here unless told not to. */
async function holdConversation(
  client: Client,
  settings: ConnectionSettings,
  workflowId: string,
  withWorker: boolean,
): Promise<number> {
  const local = withWorker ? await startLocalWorker(settings) : undefined;
  const input = new TerminalInput();
  const leave = async (code: number, message: string): Promise<number> => {
    out(message);
    input.close();
    if (local !== undefined) {
      local.worker.shutdown();
      await local.done.catch(() => {});
    }
    return code;
  };
  const interrupted = new Promise<number>((resolve) => {
    process.once('SIGINT', () => {
      resolve(
        leave(
          130,
          `\nStopped here; nothing is lost. The run ${workflowId} keeps waiting on the server.\n` +
            `Continue with: pocketflow-temporal attach ${workflowId}\n`,
        ),
      );
    });
  });
  const conversation = (async (): Promise<number> => {
    try {
      const state = await converse({ client, workflowId, input, write: out });
      return leave(state.status === 'completed' ? 0 : 1, '');
    } catch (error) {
      if (error instanceof InputClosedError) {
        return leave(
          0,
          `\nInput closed; nothing is lost. The run ${workflowId} keeps waiting.\n` +
            `Continue with: pocketflow-temporal attach ${workflowId}, or answer with: pocketflow-temporal approve|reject ${workflowId}\n`,
        );
      }
      if (error instanceof WorkflowFailedError) {
        return leave(1, `error: the run failed: ${error.cause?.message ?? error.message}\n`);
      }
      await leave(1, '');
      throw error;
    }
  })();
  return Promise.race([conversation, interrupted]);
}

async function runRecipe(args: Parsed): Promise<number> {
  const ingredient = args.options['ingredient'];
  if (args.options['local'] === true) {
    return runRecipeLocal(typeof ingredient === 'string' ? ingredient : undefined);
  }
  installQuietRuntime();
  const { settings, uiUrl } = await ensureServer();
  const client = await connectClient(settings);
  const workflowId = typeof args.options['id'] === 'string' ? args.options['id'] : newRunId();
  out('Welcome to Recipe Finder!\n------------------------\n');
  await startFlow(client, {
    flow: RECIPE_FLOW,
    taskQueue: taskQueue(),
    workflowId,
    shared: typeof ingredient === 'string' ? { ingredient } : {},
    flows: recipeFlows,
  });
  out(`(run ${workflowId} on ${settings.address}${uiUrl ? `; watch it at ${uiUrl}/namespaces/${settings.namespace}/workflows/${workflowId}` : ''})\n\n`);
  return holdConversation(client, settings, workflowId, args.options['no-worker'] !== true);
}

async function runRecipeLocal(ingredient: string | undefined): Promise<number> {
  const { createRecipeFlow } = await import('../recipe/flow.js');
  const input = new TerminalInput();
  const shared: RecipeShared = ingredient === undefined ? {} : { ingredient };
  let shown = 0;
  const flush = (): void => {
    const lines = transcriptOf(shared);
    for (; shown < lines.length; shown++) {
      out(`${lines[shown]}\n`);
    }
  };
  out('Welcome to Recipe Finder!\n------------------------\n');
  try {
    await createRecipeFlow().runAsync(shared, {
      services: createRecipeServices(recipeConfigFromEnv()),
      input: { ask: (request) => (flush(), input.ask(request)) },
      observer: { onStepEnd: flush },
      logger: silentLogger,
    });
  } finally {
    flush();
    input.close();
  }
  return 0;
}

function newRunId(): string {
  return `${RECIPE_FLOW}-${new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '')}-${randomUUID().slice(0, 6)}`;
}

async function runStart(args: Parsed): Promise<number> {
  const flow = typeof args.options['flow'] === 'string' ? args.options['flow'] : RECIPE_FLOW;
  if (!recipeFlows.has(flow)) {
    throw new UnknownFlowError(flow, recipeFlows.names);
  }
  let shared: object = {};
  if (typeof args.options['shared'] === 'string') {
    try {
      shared = JSON.parse(args.options['shared']) as object;
    } catch (error) {
      throw new UsageError(`--shared is not valid JSON: ${(error as Error).message}`);
    }
  }
  if (typeof args.options['ingredient'] === 'string') {
    shared = { ...shared, ingredient: args.options['ingredient'] };
  }
  const client = await connectClient(connectionSettings());
  const workflowId = typeof args.options['id'] === 'string' ? args.options['id'] : newRunId();
  await startFlow(client, { flow, taskQueue: taskQueue(), workflowId, shared, flows: recipeFlows });
  out(`${workflowId}\n`);
  return 0;
}

async function runList(args: Parsed): Promise<number> {
  const limit = Number(args.options['limit'] ?? 20);
  if (!Number.isInteger(limit) || limit < 1) {
    throw new UsageError('--limit must be a whole number of at least 1.');
  }
  const client = await connectClient(connectionSettings());
  let count = 0;
  for await (const run of client.workflow.list({ query: `WorkflowType = '${FLOW_WORKFLOW_TYPE}'` })) {
    const flow = (run.memo?.['flow'] as string | undefined) ?? '?';
    out(`${run.workflowId}\t${run.status.name}\t${flow}\t${run.startTime.toISOString()}\n`);
    if (++count >= limit) {
      break;
    }
  }
  if (count === 0) {
    out('No flow runs yet.\n');
  }
  return 0;
}

/** The run's description; UnknownRunError for an id that names none. */
async function describeRun(client: Client, workflowId: string) {
  try {
    return await client.workflow.getHandle(workflowId).describe();
  } catch (error) {
    if ((error as Error).name === 'WorkflowNotFoundError') {
      throw new UnknownRunError(workflowId);
    }
    throw error;
  }
}

async function withDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PocketFlowError(message)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const NO_WORKER = (queue: string) =>
  `No worker answered within 5 s. Start one (npm run worker, task queue '${queue}')`;

async function runStatus(args: Parsed): Promise<number> {
  const workflowId = args.positionals[0] as string;
  const client = await connectClient(connectionSettings());
  const description = await describeRun(client, workflowId);
  const status = description.status.name;
  const flow = (description.memo?.['flow'] as string | undefined) ?? '?';
  let state: FlowRunState | undefined;
  let note: string | undefined;
  let failure: string | undefined;
  if (status === 'COMPLETED') {
    const result = await flowResult(client, workflowId);
    state = { flow, status: 'completed', currentNodes: [], pending: [], shared: result.shared, steps: 0, recentSteps: [], refused: [] };
    note = `last action: ${result.action ?? '(none)'}`;
  } else if (status === 'FAILED') {
    failure = await flowResult(client, workflowId).then(
      () => undefined,
      (error: unknown) => (error instanceof WorkflowFailedError ? (error.cause?.message ?? error.message) : String(error)),
    );
  }
  if (status === 'RUNNING') {
    state = await withDeadline(
      getFlowState(client, workflowId),
      5000,
      `${NO_WORKER(description.taskQueue)} to read the state of run ${workflowId} (status RUNNING).`,
    );
  }
  if (args.options['json'] === true) {
    out(`${JSON.stringify({ workflowId, status, flow, state, failure }, null, 2)}\n`);
    return 0;
  }
  out(`Run:      ${workflowId}\nFlow:     ${flow}\nStatus:   ${status}\nStarted:  ${description.startTime.toISOString()}\n`);
  if (failure !== undefined) {
    out(`Failure:  ${failure}\n`);
  }
  if (note !== undefined) {
    out(`Result:   ${note}\n`);
  }
  if (state !== undefined) {
    if (state.currentNodes.length > 0) {
      out(`Node:     ${state.currentNodes.join(', ')}\n`);
    }
    for (const prompt of state.pending) {
      const choices = prompt.choices ? ` [${prompt.choices.join('/')}]` : '';
      out(`Waiting:  request ${prompt.requestId} from ${prompt.node}: ${prompt.prompt}${choices}\n`);
    }
    if (state.recentSteps.length > 0) {
      out(`Steps:    ${state.recentSteps.map((s) => `${s.node} -> ${s.action ?? 'default'}`).join(', ')}\n`);
    }
    out(`Shared:   ${JSON.stringify(state.shared, null, 2).replace(/\n/g, '\n          ')}\n`);
  }
  return 0;
}

async function runRespond(workflowId: string, answer: string, args: Parsed): Promise<number> {
  const request = args.options['request'];
  const requestId = typeof request === 'string' ? Number(request) : undefined;
  if (requestId !== undefined && !Number.isInteger(requestId)) {
    throw new UsageError('--request must be a whole number (see the status command).');
  }
  const client = await connectClient(connectionSettings());
  const description = await describeRun(client, workflowId);
  if (description.status.name !== 'RUNNING') {
    throw new PocketFlowError(`Run ${workflowId} already finished (${description.status.name}); there is nothing to answer.`);
  }
  if (args.options['signal'] === true) {
    await answerFlow(client, workflowId, answer, { requestId, wait: 'signal' });
    out(`Sent ${JSON.stringify(answer)} to run ${workflowId}; it is processed when the run reaches a prompt.\n`);
    return 0;
  }
  const accepted = await withDeadline(
    answerFlow(client, workflowId, answer, { requestId }),
    10_000,
    `${NO_WORKER(description.taskQueue)}, or send the answer with --signal to queue it.`,
  );
  out(`Run ${workflowId} accepted ${JSON.stringify(answer)} for request ${accepted?.requestId} (${accepted?.node}).\n`);
  return 0;
}

async function runAttach(args: Parsed): Promise<number> {
  const workflowId = args.positionals[0] as string;
  installQuietRuntime();
  const settings = connectionSettings();
  const client = await connectClient(settings);
  const description = await describeRun(client, workflowId);
  if (description.status.name !== 'RUNNING') {
    throw new PocketFlowError(`Run ${workflowId} already finished (${description.status.name}); see: pocketflow-temporal status ${workflowId}`);
  }
  out(`Attached to run ${workflowId}.\n`);
  return holdConversation(client, settings, workflowId, args.options['no-worker'] !== true);
}

async function runGraph(args: Parsed): Promise<number> {
  const flow = args.positionals[0] ?? RECIPE_FLOW;
  out(`${toMermaid(recipeFlows.build(flow))}\n`);
  return 0;
}

async function runWorkerCommand(): Promise<number> {
  const settings = connectionSettings();
  const connection = await NativeConnection.connect(settings.options);
  const worker = await createRecipeWorker({ connection, namespace: settings.namespace, taskQueue: taskQueue() });
  out(`Worker polling task queue '${taskQueue()}' on ${settings.address}.\n`);
  await worker.run();
  await connection.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
