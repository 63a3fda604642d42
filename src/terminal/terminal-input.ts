/** Answers from the terminal through `node:readline`: Node.js only, never in workflow code. */
import type { Interface } from 'node:readline';
import type { InputSource, PendingInput } from '../core/run.js';
import { PocketFlowError } from '../core/errors.js';
import { refusalOf } from '../core/input.js';

/** Standard input closed while a prompt waited for an answer. */
export class InputClosedError extends PocketFlowError {
  constructor() {
    super('Standard input closed before an answer was given.');
  }
}

/**
 * Reads answers from standard input, one line each, asking again when the node refuses one.
 * Lines typed (or piped) ahead of a prompt wait for it; a prompt's `timeoutSeconds` turns into `null`.
 */
export class TerminalInput implements InputSource {
  readonly #input: NodeJS.ReadableStream;
  readonly #output: NodeJS.WritableStream;
  #lines: Interface | undefined;
  /** The interface being made: `node:readline` loads at the first prompt, not with the package. */
  #opening: Promise<Interface> | undefined;
  #reader: AsyncIterator<string> | undefined;
  #pending: Promise<IteratorResult<string>> | undefined;

  constructor(options: { input?: NodeJS.ReadableStream; output?: NodeJS.WritableStream } = {}) {
    this.#input = options.input ?? process.stdin;
    this.#output = options.output ?? process.stdout;
  }

  async ask(request: PendingInput): Promise<string | null> {
    for (;;) {
      const line = await this.#readLine(`${request.prompt} `, request.timeoutSeconds);
      if (line === null) {
        return null;
      }
      const answer = line.trim();
      const refusal = refusalOf(request, answer);
      if (refusal === undefined) {
        return answer;
      }
      this.#output.write(`${refusal}\n`);
    }
  }

  /** Lets the process exit while no answer is awaited. */
  close(): void {
    this.#lines?.close();
    this.#lines = undefined;
    this.#opening = undefined;
    this.#reader = undefined;
    this.#pending = undefined;
  }

  async #readLine(prompt: string, timeoutSeconds: number | undefined): Promise<string | null> {
    const lines = await this.#open();
    if (lines !== this.#lines) {
      throw new InputClosedError();
    }
    lines.setPrompt(prompt);
    lines.prompt();
    // A read that lost a race with a timeout stays pending and takes the next line, so none is lost.
    this.#pending ??= (this.#reader as AsyncIterator<string>).next();
    const next = this.#pending;
    let timer: NodeJS.Timeout | undefined;
    const timeout =
      timeoutSeconds === undefined
        ? undefined
        : new Promise<'timeout'>((resolve) => {
            timer = setTimeout(() => resolve('timeout'), timeoutSeconds * 1000);
          });
    try {
      const result = await (timeout === undefined ? next : Promise.race([next, timeout]));
      if (result === 'timeout') {
        this.#output.write('\n');
        return null;
      }
      this.#pending = undefined;
      if (result.done === true) {
        throw new InputClosedError();
      }
      return result.value;
    } finally {
      clearTimeout(timer);
    }
  }

  #open(): Promise<Interface> {
    if (this.#opening === undefined) {
      const opening = import('node:readline').then(({ createInterface }) => {
        const interactive = (this.#input as { isTTY?: boolean }).isTTY === true;
        const lines = createInterface({ input: this.#input, output: this.#output, terminal: interactive });
        if (this.#opening !== opening) {
          // Closed while readline loaded: this interface must not keep the process alive.
          lines.close();
          return lines;
        }
        // In raw terminal mode Ctrl-C reaches readline, not the process: pass it on, so that SIGINT handlers run.
        lines.on('SIGINT', () => process.kill(process.pid, 'SIGINT'));
        this.#lines = lines;
        this.#reader = lines[Symbol.asyncIterator]();
        return lines;
      });
      this.#opening = opening;
    }
    return this.#opening;
  }
}
