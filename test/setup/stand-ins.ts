// Real HTTP servers on 127.0.0.1 standing in for the recipe API and an OpenAI-compatible endpoint.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll } from 'vitest';

export interface StandIn {
  url: string;
  requests: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }>;
  close(): Promise<void>;
}

async function serve(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<StandIn> {
  const requests: StandIn['requests'] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

/**
 * TheMealDB's filter endpoint shape, under `/api/json/v1/<key>/` (TheMealDB's free key is 1);
 * answers `failStatus` (503 unless given) to the first `failTimes` requests.
 */
export async function startRecipeApi(
  recipes: Record<string, string[]>,
  options: { failTimes?: number; failStatus?: number; key?: string } = {},
): Promise<StandIn & { filterUrl: string }> {
  let failures = options.failTimes ?? 0;
  const standIn = await serve((req, _body, res) => {
    if (failures > 0) {
      failures -= 1;
      json(res, options.failStatus ?? 503, { error: 'temporarily unavailable' });
      return;
    }
    const ingredient = new URL(req.url ?? '/', 'http://x').searchParams.get('i')?.toLowerCase() ?? '';
    const names = recipes[ingredient];
    json(res, 200, {
      meals: names === undefined ? null : names.map((strMeal, i) => ({ strMeal, idMeal: String(52000 + i), strMealThumb: '' })),
    });
  });
  return { ...standIn, filterUrl: `${standIn.url}/api/json/v1/${options.key ?? '1'}/filter.php?i=` };
}

/**
 * An OpenAI-compatible chat completions endpoint that answers with `choose(userMessage)`; with
 * `refuseKeys`, it answers every request as OpenAI answers a wrong key: a 401 that quotes the key
 * masked.
 */
export async function startOpenAiStandIn(
  choose: (prompt: string) => string,
  options: { refuseKeys?: boolean; chunkDelayMs?: number; holdAfterFirstWord?: Promise<unknown> } = {},
): Promise<StandIn & { baseUrl: string }> {
  const standIn = await serve((req, body, res) => {
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      json(res, 404, { error: { message: 'not found' } });
      return;
    }
    if (options.refuseKeys === true) {
      const key = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      const masked = `${key.slice(0, 7)}${'*'.repeat(Math.max(key.length - 11, 0))}${key.slice(-4)}`;
      json(res, 401, {
        error: {
          message: `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`,
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_api_key',
        },
      });
      return;
    }
    const request = JSON.parse(body) as { model: string; stream?: boolean; messages: Array<{ role: string; content: string }> };
    const prompt = request.messages.map((m) => m.content).join('\n');
    if (request.stream === true) {
      void streamReply(res, request.model, choose(prompt), options.chunkDelayMs ?? 5, options.holdAfterFirstWord);
      return;
    }
    json(res, 200, {
      id: 'chatcmpl-test',
      object: 'chat.completion',
      created: 0,
      model: request.model,
      choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: choose(prompt) } }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    });
  });
  return { ...standIn, baseUrl: `${standIn.url}/v1` };
}

/** Words of the reply as OpenAI streams them: server-sent `chat.completion.chunk` events, then `[DONE]`; the rest after the first word waits for `hold`. */
async function streamReply(res: ServerResponse, model: string, reply: string, delayMs: number, hold?: Promise<unknown>): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const chunk = (delta: object, finish: string | null) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-test', object: 'chat.completion.chunk', created: 0, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  res.write(chunk({ role: 'assistant', content: '' }, null));
  for (const piece of reply.match(/\S+\s*/g) ?? []) {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (res.destroyed) {
      return;
    }
    res.write(chunk({ content: piece }, null));
    await hold;
  }
  res.write(chunk({}, 'stop'));
  res.end('data: [DONE]\n\n');
}

/** Picks the last recipe listed in the prompt (so that it differs from the offline chooser's first). */
export function pickLastListed(prompt: string): string {
  const listed = prompt.split('\n').filter((line) => line.startsWith('- '));
  return (listed.at(-1) ?? '').slice(2);
}

/** The recipe API and the OpenAI stand-in of a test file: started before its tests, stopped after. */
export interface RecipeStandIns {
  api: Awaited<ReturnType<typeof startRecipeApi>>;
  llm: Awaited<ReturnType<typeof startOpenAiStandIn>>;
}

/** Starts the two stand-ins for the calling test file (`recipes` by ingredient; the LLM picks the last listed). */
export function useRecipeStandIns(recipes: Record<string, string[]>): RecipeStandIns {
  const standIns = {} as RecipeStandIns;
  beforeAll(async () => {
    standIns.api = await startRecipeApi(recipes);
    standIns.llm = await startOpenAiStandIn(pickLastListed);
  });
  afterAll(async () => {
    await standIns.api.close();
    await standIns.llm.close();
  });
  return standIns;
}

