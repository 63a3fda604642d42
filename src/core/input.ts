import type { InputSource, PendingInput } from './run.js';
import { NoMoreInputError, PocketFlowError } from './errors.js';

/** Returns why `answer` is refused for `request`, or undefined when it is accepted. */
export function refusalOf(request: Pick<PendingInput, 'choices' | 'validate'>, answer: string): string | undefined {
  if (request.choices !== undefined && !request.choices.includes(answer)) {
    return `Please answer one of: ${request.choices.join(', ')}.`;
  }
  return request.validate?.(answer);
}

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
      const answer = this.#answers.shift();
      if (answer === undefined) {
        throw new NoMoreInputError(request.prompt);
      }
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
