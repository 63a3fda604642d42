/**
 * An OpenAI-compatible chat endpoint on 127.0.0.1 for the streaming benchmark (section 8): it
 * streams each reply as server-sent `chat.completion.chunk` events, one piece at a time at a set
 * pace, and notes when each piece left it and when the activity reading it received it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** What the stand-in answers to the request whose prompt is the reply's key. */
export interface ReplyPlan {
  /** How many pieces the reply has at most. */
  pieces: number;
  /** Milliseconds from one piece to the next. */
  gapMs: number;
  /** The reply waits for this before its first piece (for a watcher to be ready). */
  startWhen?: Promise<void>;
  /** The reply ends early, after the piece under way, once this settles. */
  stopWhen?: Promise<void>;
}

/** One reply as it went: performance.now() of each piece, by its index. */
export interface ReplyRecord {
  /** Right after the piece's chunk was written to the socket. */
  sentAt: number[];
  /** When the exec reading the reply had the piece from the `openai` client (see llm-services.ts). */
  receivedAt: number[];
  /** Settles when the reply's last chunk was written. */
  ended: Promise<void>;
}

export interface LlmStandIn {
  baseUrl: string;
  /** Says what to answer under `key`; the record fills in as the reply streams. */
  plan(key: string, plan: ReplyPlan): ReplyRecord;
  /** Notes that the exec reading `key`'s reply received `text` now. */
  received(key: string, text: string): void;
  close(): Promise<void>;
}

/** The text of piece `index`: the index can be read back from it wherever it shows up. */
export function pieceText(index: number): string {
  return `w${index} `;
}

/** The index of a piece from its text, or undefined for text that is not one piece. */
export function pieceIndex(text: string): number | undefined {
  const match = /^w(\d+) $/.exec(text);
  return match === null ? undefined : Number(match[1]);
}

interface Planned {
  plan: ReplyPlan;
  record: ReplyRecord;
  end: () => void;
}

export async function startLlmStandIn(): Promise<LlmStandIn> {
  const planned = new Map<string, Planned>();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => answer(planned, req, body, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    plan(key, plan) {
      let end = (): void => {};
      const ended = new Promise<void>((resolve) => (end = resolve));
      const record: ReplyRecord = { sentAt: [], receivedAt: [], ended };
      planned.set(key, { plan, record, end });
      return record;
    },
    received(key, text) {
      const at = performance.now();
      const index = pieceIndex(text);
      const record = planned.get(key)?.record;
      if (record !== undefined && index !== undefined) {
        record.receivedAt[index] = at;
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function answer(planned: Map<string, Planned>, req: IncomingMessage, body: string, res: ServerResponse): void {
  if (req.method !== 'POST' || req.url?.endsWith('/chat/completions') !== true) {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: `No such endpoint: ${req.method ?? ''} ${req.url ?? ''}.` } }));
    return;
  }
  const request = JSON.parse(body) as { model: string; stream?: boolean; messages: Array<{ content: string }> };
  const key = request.messages.at(-1)?.content ?? '';
  const reply = planned.get(key);
  if (reply === undefined || request.stream !== true) {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: `The stand-in streams planned replies only; none is planned for '${key}', or stream is not true.` } }));
    return;
  }
  void stream(res, request.model, reply);
}

async function stream(res: ServerResponse, model: string, { plan, record, end }: Planned): Promise<void> {
  const chunk = (delta: object, finish: string | null): string =>
    `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 0, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  let stopped = false;
  void plan.stopWhen?.then(() => (stopped = true));
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.write(chunk({ role: 'assistant', content: '' }, null));
  await plan.startWhen;
  // Each piece is due a gap after the one before was due, so that the pace does not drift with the timers.
  const start = performance.now();
  for (let index = 0; index < plan.pieces && !stopped && !res.destroyed; index++) {
    const wait = start + index * plan.gapMs - performance.now();
    if (wait > 0) {
      await sleep(wait);
    }
    res.write(chunk({ content: pieceText(index) }, null));
    record.sentAt[index] = performance.now();
  }
  res.write(chunk({}, 'stop'));
  res.end('data: [DONE]\n\n');
  end();
}
