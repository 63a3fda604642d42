/** `run` and `attach`: hold a run's conversation in this terminal, on Temporal or in-process. */
import { randomUUID } from 'node:crypto';
import { type Client, WorkflowFailedError } from '@temporalio/client';
import { PocketFlowError, type RunEvent } from '../../core/index.js';
import { describeFlowRun, startFlow } from '../../temporal/client.js';
import { connectClient, type ConnectionSettings } from '../../temporal/connection.js';
import { InputClosedError, TerminalInput } from '../../terminal/terminal-input.js';
import { type CliContext, flowNameOf, taskQueueOf } from '../context.js';
import { converse, forgetTriesOf, terminalWriter, transcriptPrinter, tryingAgain, tryOf } from '../conversation.js';
import type { ProjectConfig } from '../project.js';
import { ensureServer, installQuietRuntime, startLocalWorker } from '../server.js';

export interface RunOptions {
  id?: string;
  local?: boolean;
  worker: boolean;
  shared: object;
}

/** A new workflow id: the flow's name, the time, and a few random characters. */
export function newRunId(flow: string): string {
  return `${flow}-${new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '')}-${randomUUID().slice(0, 6)}`;
}

const noTranscript = (): readonly string[] => [];

/** Starts a run of `flowArg` and holds its conversation until it ends or the person leaves. */
export async function runCommand(ctx: CliContext, flowArg: string | undefined, options: RunOptions): Promise<number> {
  const project = await ctx.needProject('run');
  const flow = flowNameOf(project, flowArg);
  if (options.local === true) {
    return runLocal(ctx, project, flow, options.shared);
  }
  installQuietRuntime();
  const { settings, uiUrl } = await ensureServer(ctx);
  const client = await connectClient(settings);
  const workflowId = options.id ?? newRunId(flow);
  await startFlow(client, { flow, taskQueue: taskQueueOf(project), workflowId, shared: options.shared, flows: project.flows });
  const link = uiUrl === undefined ? '' : `; watch it at ${uiUrl}/namespaces/${settings.namespace}/workflows/${workflowId}`;
  ctx.out(`(run ${workflowId} on ${settings.address}${link})\n\n`);
  return holdConversation(ctx, project, client, settings, { workflowId, fromStart: true }, options.worker);
}

/** Continues the conversation of a waiting run. */
export async function attachCommand(ctx: CliContext, workflowId: string, options: { worker: boolean }): Promise<number> {
  const project = await ctx.needProject('attach');
  installQuietRuntime();
  const { settings } = await ensureServer(ctx);
  const client = await connectClient(settings);
  const description = await describeFlowRun(client, workflowId);
  if (description.status.name !== 'RUNNING') {
    throw new PocketFlowError(
      `Run ${workflowId} already finished (${description.status.name}); see: npx pocketflow-temporal status ${workflowId}`,
    );
  }
  ctx.out(`Attached to run ${workflowId}.\n`);
  return holdConversation(ctx, project, client, settings, { workflowId, fromStart: false }, options.worker);
}

async function runLocal(ctx: CliContext, project: ProjectConfig, flow: string, shared: object): Promise<number> {
  const input = new TerminalInput();
  const out = terminalWriter(ctx.out);
  const flush = transcriptPrinter(project.transcript ?? noTranscript, out.line);
  // Streamed text is printed as it comes, after the transcript so far.
  const streamed = new Set<string>();
  const onEvent = (event: RunEvent): void => {
    if (event.type === 'retry' && streamed.has(tryOf({ ...event, attempt: event.attempt - 1 }))) {
      out.line(tryingAgain(event));
    } else if (event.type === 'text') {
      if (!streamed.has(tryOf(event))) {
        streamed.add(tryOf(event));
        flush(shared);
      }
      out.text(event.text);
    } else if (event.type === 'node-finished') {
      forgetTriesOf(streamed, event.step);
    }
  };
  try {
    await project.flows.build(flow).runAsync(shared, {
      services: await project.createServices?.(),
      input: { ask: (request) => (flush(shared), out.end(), input.ask(request)) },
      observer: { onStepEnd: () => flush(shared) },
      onEvent,
    });
  } finally {
    flush(shared);
    out.end();
    input.close();
  }
  return 0;
}

/** Runs the conversation with a run, starting a worker here unless told not to. */
async function holdConversation(
  ctx: CliContext,
  project: ProjectConfig,
  client: Client,
  settings: ConnectionSettings,
  { workflowId, fromStart }: { workflowId: string; fromStart: boolean },
  withWorker: boolean,
): Promise<number> {
  const local = withWorker ? await startLocalWorker(ctx, settings) : undefined;
  const input = new TerminalInput();
  // The first way out (the conversation ending, Ctrl-C, input closing) wins; later ones share its outcome.
  let leaving: Promise<number> | undefined;
  const leave = (code: number, message: string): Promise<number> =>
    (leaving ??= (async () => {
      ctx.out(message);
      input.close();
      if (local !== undefined) {
        local.worker.shutdown();
        await local.done.catch(() => {});
      }
      return code;
    })());
  const interrupted = new Promise<number>((resolve) => {
    process.once('SIGINT', () => {
      resolve(
        leave(
          130,
          `\nStopped here; nothing is lost. The run ${workflowId} keeps waiting on the server.\n` +
            `Continue with: npx pocketflow-temporal attach ${workflowId}\n`,
        ),
      );
    });
  });
  const conversation = (async (): Promise<number> => {
    try {
      const state = await converse({ client, workflowId, fromStart, input, write: ctx.out, transcript: project.transcript ?? noTranscript });
      return leave(state.status === 'completed' ? 0 : 1, '');
    } catch (error) {
      if (error instanceof InputClosedError) {
        return leave(
          0,
          `\nInput closed; nothing is lost. The run ${workflowId} keeps waiting.\n` +
            `Continue with: npx pocketflow-temporal attach ${workflowId}, or answer with: npx pocketflow-temporal respond ${workflowId} <answer>\n`,
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
