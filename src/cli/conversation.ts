/** The terminal side of a run: prints what the flow says and sends the person's answers. */
import type { Client } from '@temporalio/client';
import { answerFlow, flowResult, getFlowState } from '../temporal/client.js';
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
  const { client, workflowId, input, write } = options;
  const showNew = transcriptPrinter(options.transcript, write);
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
