/** `watch <id>`: a run's events printed as they happen, from an offset, one per line or as JSON lines. */
import type { RunEvent } from '../../core/index.js';
import { describeFlowRun } from '../../temporal/client.js';
import { type SkippedEvents, streamFlow } from '../../temporal/event-stream.js';
import type { CliContext } from '../context.js';
import { START_WORKER_COMMAND } from '../../temporal/waiting.js';
import { terminalWriter, tryOf } from '../conversation.js';
import { connect } from '../server.js';
import { untilStopped } from '../stop.js';

/** Prints run `workflowId`'s events from `options.from` until the run ends (0, or 1 when it failed) or SIGINT (130). */
export async function watchCommand(ctx: CliContext, workflowId: string, options: { from?: number; json?: boolean }): Promise<number> {
  const { client } = await connect();
  // An unknown id is said at once, in one line.
  await describeFlowRun(client, workflowId);
  const stop = new AbortController();
  let next = options.from ?? 0;
  const print = options.json === true ? (event: RunEvent | SkippedEvents) => ctx.out(`${JSON.stringify(event)}\n`) : humanPrinter(ctx.out);
  void untilStopped().then(() => stop.abort());
  let failed = false;
  let told = false;
  const events = streamFlow(client, workflowId, {
    from: next,
    signal: stop.signal,
    // What is not an event goes to stderr, so that --json output stays one event per line.
    onNoWorker: () => process.stderr.write(`No worker answers for run ${workflowId} yet: its events are read from one. Start one with: ${START_WORKER_COMMAND}\n`),
  });
  for await (const event of events) {
    print(event);
    next = event.offset + (event.type === 'skipped' ? event.count : 1);
    failed ||= event.type === 'run-failed';
    told ||= event.type === 'run-failed' || event.type === 'run-finished';
  }
  if (stop.signal.aborted) {
    process.stderr.write(`\nStopped at offset ${next}. Go on with: npx pocketflow-temporal watch ${workflowId} --from ${next}\n`);
    return 130;
  }
  if (!told) {
    // Read from past its last event, or stopped without one (terminated, cancelled, timed out).
    const { status } = await describeFlowRun(client, workflowId);
    if (status.name === 'COMPLETED') {
      return 0;
    }
    if (status.name !== 'FAILED') {
      process.stderr.write(`Run ${workflowId} ended without finishing: it was ${status.name.toLowerCase().replace(/_/g, ' ')}.\n`);
    }
    return 1;
  }
  return failed ? 1 : 0;
}

/** Prints events as a person reads them: one line each, the text a try streams on one line of its own. */
function humanPrinter(write: (text: string) => void): (event: RunEvent | SkippedEvents) => void {
  const out = terminalWriter(write);
  let textOf: string | undefined;
  return (event) => {
    if (event.type === 'text') {
      if (tryOf(event) !== textOf) {
        // The try's words follow on the line that names it.
        out.line(`[${event.offset}] ${where(event)}: `);
        textOf = tryOf(event);
      }
      out.text(event.text);
      return;
    }
    textOf = undefined;
    out.line(`${event.type === 'skipped' ? '' : `[${event.offset}] `}${describe(event)}\n`);
  };
}

function where(event: { step: number; node: string; item?: number }): string {
  return `step ${event.step} ${event.node}${event.item === undefined ? '' : ` item ${event.item + 1}`}`;
}

function describe(event: RunEvent | SkippedEvents): string {
  switch (event.type) {
    case 'skipped':
      return `(${event.count} events from offset ${event.offset} are no longer kept by the run)`;
    case 'run-started':
      return `run of flow '${event.flow}' started`;
    case 'node-started':
      return `${where(event)} started`;
    case 'retry':
      return `${where(event)}: try ${event.attempt} (text of the try before is void)`;
    case 'text':
      return `${where(event)}: ${event.text}`;
    case 'data':
      return `${where(event)}: ${JSON.stringify(event.data)}`;
    case 'fallback':
      return `${where(event)}: fallback after ${event.error.name}: ${event.error.message}`;
    case 'waiting':
      return `${where(event)} waits: ${event.prompt}${event.choices === undefined ? '' : ` [${event.choices.join('/')}]`}`;
    case 'answered':
      return `${where(event)} answered: ${event.answer === null ? '(no answer in time)' : event.answer}`;
    case 'node-finished':
      return `${where(event)} finished${event.action === null ? '' : `: ${event.action}`}`;
    case 'run-finished':
      return `run finished${event.action === null ? '' : `: ${event.action}`}`;
    case 'run-failed':
      return `run failed: ${event.error.name}: ${event.error.message}`;
  }
}
