import type { InputSource, PendingInput } from './context.js';
import { InputClosedError, NoMoreInputError, PocketFlowError } from './errors.js';

/**
 * Reads answers from the terminal (standard input), one line per answer, asking again when the
 * node refuses one. Uses only the `process` global, so importing it is safe in workflow code.
 */
export class TerminalInput implements InputSource {
  #buffer = '';
  #ended = false;
  #waiters: Array<() => void> = [];
  #listening = false;

  async ask(request: PendingInput): Promise<string | null> {
    for (;;) {
      process.stdout.write(`${request.prompt} `);
      const line = await this.#readLine(request.timeoutSeconds);
      if (line === null) {
        return null;
      }
      const answer = line.trim();
      const refusal = refusalOf(request, answer);
      if (refusal === undefined) {
        return answer;
      }
      process.stdout.write(`${refusal}\n`);
    }
  }

  async #readLine(timeoutSeconds: number | undefined): Promise<string | null> {
    this.#listen();
    const deadline = timeoutSeconds === undefined ? undefined : Date.now() + timeoutSeconds * 1000;
    for (;;) {
      const newline = this.#buffer.indexOf('\n');
      if (newline >= 0) {
        const line = this.#buffer.slice(0, newline);
        this.#buffer = this.#buffer.slice(newline + 1);
        return line;
      }
      if (this.#ended) {
        throw new InputClosedError();
      }
      const remaining = deadline === undefined ? undefined : deadline - Date.now();
      if (remaining !== undefined && remaining <= 0) {
        return null;
      }
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        if (remaining !== undefined) {
          setTimeout(resolve, remaining);
        }
      });
    }
  }

  #listen(): void {
    if (this.#listening) {
      process.stdin.resume();
      return;
    }
    this.#listening = true;
    process.stdin.setEncoding('utf8');
    const wake = (): void => {
      const waiters = this.#waiters;
      this.#waiters = [];
      waiters.forEach((resolve) => resolve());
    };
    process.stdin.on('data', (chunk: string) => {
      this.#buffer += chunk;
      wake();
    });
    process.stdin.on('end', () => {
      this.#ended = true;
      wake();
    });
  }

  /** Lets the process exit while no answer is awaited. */
  close(): void {
    process.stdin.pause();
  }
}

/** Returns why `answer` is refused for `request`, or undefined when it is accepted. */
export function refusalOf(request: Pick<PendingInput, 'choices' | 'validate'>, answer: string): string | undefined {
  if (request.choices !== undefined && !request.choices.includes(answer)) {
    return `Please answer one of: ${request.choices.join(', ')}.`;
  }
  return request.validate?.(answer);
}

/** The terminal input source used when a run is given none. */
export const terminalInput = new TerminalInput();

/** Answers prompts from a list given in advance (for tests and scripted runs); `null` stands for a timeout. */
export class ScriptedInput implements InputSource {
  readonly asked: PendingInput[] = [];
  readonly refused: Array<{ answer: string; reason: string }> = [];
  #answers: Array<string | null>;

  constructor(answers: Iterable<string | null>) {
    this.#answers = [...answers];
  }

  async ask(request: PendingInput): Promise<string | null> {
    this.asked.push(request);
    for (;;) {
      if (this.#answers.length === 0) {
        throw new NoMoreInputError(request.prompt);
      }
      const answer = this.#answers.shift() as string | null;
      if (answer === null) {
        if (request.timeoutSeconds === undefined) {
          throw new PocketFlowError(
            `A scripted timeout (null) was given for ${JSON.stringify(request.prompt)}, which has no timeoutSeconds.`,
          );
        }
        return null;
      }
      const refusal = refusalOf(request, answer);
      if (refusal === undefined) {
        return answer;
      }
      this.refused.push({ answer, reason: refusal });
    }
  }
}
