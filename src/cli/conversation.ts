/** The terminal side of a run: prints what the flow says and sends the person's answers. */
import type { Client } from '@temporalio/client';
import { answerFlow, flowResult, getFlowState } from '../temporal/client.js';
import { streamFlow } from '../temporal/event-stream.js';
import type { FlowRunState } from '../temporal/definitions.js';
import { AnswerRefusedError } from '../temporal/errors.js';
import type { TerminalInput } from '../terminal/terminal-input.js';

export interface ConversationOptions {
  client: Client;
  workflowId: string;
  input: TerminalInput;
  write: (text: string) => void;
  /** The lines the run has said so far, read from its shared store. */
  transcript: (shared: object) => readonly string[];
  /** How often to read the run's state, in milliseconds. */
  pollMs?: number;
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

/**
 * Holds the conversation until the run ends: prints new transcript lines, asks each pending
 * prompt on the terminal and answers it with an update (a refused answer is asked again).
 * Returns the final state, or throws when standard input closes (the run keeps waiting).
 */
export async function converse(options: ConversationOptions): Promise<FlowRunState> {
  const { client, workflowId } = options;
  // Text that exec streams is printed as it comes, on a line of its own that a new transcript line ends.
  let textOpen = false;
  const write = (text: string): void => {
    if (textOpen) {
      options.write('\n');
      textOpen = false;
    }
    options.write(text);
  };
  const showNew = transcriptPrinter(options.transcript, write);
  const watching = new AbortController();
  // Not awaited at the end: a read in flight ends on its own, and prints nothing once the conversation is over.
  void printStreamedText(options, watching.signal, {
    // The transcript up to the step whose text begins, and whether that step is still under way: text read after its
    // step finished is left out, since the transcript already says what the step led to.
    beforeText: async (node) => {
      const state = await getFlowState(client, workflowId);
      if (!state.currentNodes.includes(node)) {
        return false;
      }
      showNew(state.shared);
      return true;
    },
    text: (text) => {
      options.write(text);
      textOpen = !text.endsWith('\n');
    },
    line: write,
  });
  try {
    return await holdConversation(options, write, showNew);
  } finally {
    watching.abort();
    if (textOpen) {
      options.write('\n');
    }
  }
}

/**
 * Prints the text that the run's execs stream from now on: the transcript so far before a try's
 * first text, and a line saying so when a try starts again (its text then follows anew).
 */
async function printStreamedText(
  options: ConversationOptions,
  signal: AbortSignal,
  print: { beforeText: (node: string) => Promise<boolean>; text: (text: string) => void; line: (text: string) => void },
): Promise<void> {
  let current = '';
  let live = false;
  try {
    // From where the run stands: what streamed before the conversation began is in the transcript already.
    for await (const event of streamFlow(options.client, options.workflowId, { from: Number.MAX_SAFE_INTEGER, signal })) {
      if (signal.aborted) {
        return;
      }
      if (event.type === 'retry') {
        if (live) {
          print.line(`(${event.node}: trying again, attempt ${event.attempt})\n`);
        }
        current = '';
      } else if (event.type === 'text') {
        const key = `${event.step}/${event.item ?? ''}/${event.attempt}`;
        if (key !== current) {
          current = key;
          live = await print.beforeText(event.node);
        }
        if (live && !signal.aborted) {
          print.text(event.text);
        }
      }
    }
  } catch {
    // The conversation goes on without streamed text: the transcript says what the run said.
  }
}

async function holdConversation(
  options: ConversationOptions,
  write: (text: string) => void,
  showNew: (shared: object) => void,
): Promise<FlowRunState> {
  const { client, workflowId, input } = options;
  let answered = 0;
  for (;;) {
    const state = await getFlowState(client, workflowId);
    showNew(state.shared);
    if (state.status === 'completed' || state.status === 'failed') {
      const result = await flowResult(client, workflowId);
      showNew(result.shared);
      return state;
    }
    const prompt = state.pending.find((p) => p.requestId > answered);
    if (prompt === undefined) {
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 150));
      continue;
    }
    const answer = await input.ask({ ...prompt, node: prompt.node });
    if (answer === null) {
      continue;
    }
    try {
      await answerFlow(client, workflowId, answer, { requestId: prompt.requestId });
      answered = prompt.requestId;
    } catch (error) {
      if (!(error instanceof AnswerRefusedError)) {
        throw error;
      }
      write(`${error.message}\n`);
    }
  }
}
