/** The terminal side of a run: prints what the flow says and sends the person's answers. */
import type { Client } from '@temporalio/client';
import { answerFlow, flowResult, getFlowState } from '../temporal/client.js';
import { streamFlow } from '../temporal/event-stream.js';
import { eventsQuery, type FlowRunState } from '../temporal/definitions.js';
import { AnswerRefusedError } from '../temporal/errors.js';
import type { TerminalInput } from '../terminal/terminal-input.js';

export interface ConversationOptions {
  client: Client;
  workflowId: string;
  input: TerminalInput;
  write: (text: string) => void;
  /** The lines the run has said so far, read from its shared store. */
  transcript: (shared: object) => readonly string[];
  /** The run was just started here: its streamed text is printed from its first event. */
  fromStart?: boolean;
}

/** Prints, from a growing transcript, the lines not printed yet. */
export function transcriptPrinter(
  transcript: (shared: object) => readonly string[],
  write: (text: string) => void,
): (shared: object) => void {
  let shown = 0;
  return (shared) => {
    const lines = transcript(shared);
    for (; shown < lines.length; shown++) {
      write(`${lines[shown]}\n`);
    }
  };
}

/** What the terminal shows: lines, and streamed text on a line of its own that the next line ends. */
export interface TerminalWriter {
  line(text: string): void;
  text(text: string): void;
  /** Ends streamed text left open. */
  end(): void;
  /** How many times lines or a prompt followed streamed text: text after them comes too late to show. */
  moves(): number;
}

export function terminalWriter(write: (text: string) => void): TerminalWriter {
  let textOpen = false;
  let moves = 0;
  const end = (): void => {
    moves++;
    if (textOpen) {
      write('\n');
      textOpen = false;
    }
  };
  return {
    line: (text) => {
      end();
      write(text);
    },
    moves: () => moves,
    text: (text) => {
      write(text);
      textOpen = !text.endsWith('\n');
    },
    end,
  };
}

/** Which try a text event belongs to: text of another try begins anew. */
export function tryOf(event: { step: number; item?: number; attempt: number }): string {
  return `${event.step}/${event.item ?? ''}/${event.attempt}`;
}

/** Forgets the tries of a finished step. */
export function forgetTriesOf(tries: Map<string, unknown> | Set<string>, step: number): void {
  for (const key of tries.keys()) {
    if (key.startsWith(`${step}/`)) {
      tries.delete(key);
    }
  }
}

/** The line said when a try that streamed text starts again. */
export function tryingAgain(event: { node: string; attempt: number }): string {
  return `(${event.node}: trying again, attempt ${event.attempt})\n`;
}

/**
 * Holds the conversation until the run ends: prints new transcript lines and the text execs
 * stream, asks each pending prompt on the terminal and answers it with an update (a refused
 * answer is asked again). The run's events set the pace, so that a step's text always comes
 * before what the step led to. Returns the final state, or throws when standard input closes
 * (the run keeps waiting).
 */
export async function converse(options: ConversationOptions): Promise<FlowRunState> {
  const { client, workflowId, input } = options;
  const out = terminalWriter(options.write);
  const showNew = transcriptPrinter(options.transcript, out.line);
  let answered = 0;
  /** Reads the run's state, prints what it said since, and asks its prompts until none waits. */
  const catchUp = async (): Promise<void> => {
    for (;;) {
      const state = await getFlowState(client, workflowId);
      showNew(state.shared);
      const prompt = state.status === 'completed' || state.status === 'failed' ? undefined : state.pending.find((p) => p.requestId > answered);
      if (prompt === undefined) {
        return;
      }
      out.end();
      const answer = await input.ask({ ...prompt, node: prompt.node });
      if (answer === null) {
        continue;
      }
      try {
        await answerFlow(client, workflowId, answer, { requestId: prompt.requestId });
        // Read on: another prompt may be waiting too (items of a batch ask at once).
        answered = prompt.requestId;
      } catch (error) {
        if (!(error instanceof AnswerRefusedError)) {
          throw error;
        }
        out.line(`${error.message}\n`);
      }
    }
  };
  const stop = new AbortController();
  try {
    // A new run's events from its first; for a run joined later, from where it stands before the
    // first catching up (what it said before is in the transcript, what it says after is read).
    const from = options.fromStart === true ? 0 : (await client.workflow.getHandle(workflowId).query(eventsQuery, Number.MAX_SAFE_INTEGER)).next;
    await catchUp();
    // Each try that streamed text: whether its text is shown, and what the terminal had said when it began.
    const tries = new Map<string, { live: boolean; movesAtStart: number }>();
    for await (const event of streamFlow(client, workflowId, { from, signal: stop.signal })) {
      if (event.type === 'text') {
        let shown = tries.get(tryOf(event));
        if (shown === undefined) {
          // The transcript up to this step; text read after its step finished is left out, as the transcript says what it led to.
          const state = await getFlowState(client, workflowId);
          const live = state.currentNodes.includes(event.node);
          if (live) {
            showNew(state.shared);
          }
          shown = { live, movesAtStart: out.moves() };
          tries.set(tryOf(event), shown);
        }
        if (shown.live && out.moves() === shown.movesAtStart) {
          out.text(event.text);
        }
      } else if (event.type === 'retry') {
        // Said only when the try before streamed text that was shown.
        if (tries.get(tryOf({ ...event, attempt: event.attempt - 1 }))?.live === true) {
          out.line(tryingAgain(event));
        }
      } else if (event.type === 'node-finished' || event.type === 'waiting' || event.type === 'skipped') {
        if (event.type === 'node-finished') {
          forgetTriesOf(tries, event.step);
        }
        await catchUp();
      } else if (event.type === 'run-finished' || event.type === 'run-failed') {
        break;
      }
    }
    const state = await getFlowState(client, workflowId);
    showNew(state.shared);
    const result = await flowResult(client, workflowId);
    showNew(result.shared);
    return state;
  } finally {
    stop.abort();
    out.end();
  }
}
