/** The bench worker's LLM for section 8: the `openai` client streaming from the stand-in, as the Recipe Finder's activities use it. */
import OpenAI from 'openai';
import type { LlmStandIn } from './llm-stand-in.js';
import type { ReplyServices } from './work.js';

export function createReplyServices(llm: LlmStandIn): ReplyServices {
  // No retries: a failed call should fail the benchmark, not be hidden by a second try.
  const openai = new OpenAI({ apiKey: 'sk-bench', baseURL: llm.baseUrl, maxRetries: 0, timeout: 120_000 });
  return {
    async reply(key, onPiece) {
      const stream = await openai.chat.completions.create({
        model: 'bench-model',
        stream: true,
        messages: [{ role: 'user', content: key }],
      });
      let pieces = 0;
      for await (const chunk of stream) {
        const text = chunk.choices[0]?.delta?.content;
        if (text) {
          llm.received(key, text);
          onPiece(text);
          pieces += 1;
        }
      }
      return pieces;
    },
  };
}
