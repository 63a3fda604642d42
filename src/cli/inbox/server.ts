/**
 * The approvals inbox: a small local web server that shows every open flow run, across flows: the
 * runs waiting for an answer (found by the PocketFlowWaiting search attribute, with the prompts
 * each run recorded), answered with the validated update, or, while no worker polls a run's task
 * queue, queued by signal once the answer passes the prompt's allowed answers; and the runs at
 * work, with the step under way and the text it streams, sent to the page live as server-sent
 * events. Answers and the live cards need the page's token and the page's own origin, so another
 * site can neither post answers nor read the runs.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Client } from '@temporalio/client';
import { InvalidInputError, PocketFlowError } from '../../core/index.js';
import { answerFlow, describeFlowRun } from '../../temporal/client.js';
import type { PendingPrompt } from '../../temporal/definitions.js';
import { answerHeldByFailingTask, recordedPrompt, recordedRefusal, waitingRecordOf, workflowPollers } from '../../temporal/waiting.js';
import { AnswerRefusedError, UnknownRunError } from '../../temporal/errors.js';
import { readBody } from '../../temporal/http-body.js';
import { requireSearchAttributes } from '../../temporal/search-attributes.js';
import { DeadlineError, withDeadline } from '../deadline.js';
import { INBOX_PAGE, INBOX_SCRIPT, INBOX_STYLE } from './page.js';
import { noWorkerNotice } from './run-card.js';
import { type HubMessage, RunHub } from './run-hub.js';
import { listWaitingRuns } from './run-list.js';

/** Options of `startInboxServer`. */
export interface InboxOptions {
  client: Client;
  host?: string;
  /** Default 8090; 0 takes any free port. */
  port?: number;
  /** Where a run's page in the Web UI is, for the links (undefined: no links). */
  runLink?: (workflowId: string) => string | undefined;
  /** How long an answer may wait for a worker to take it, in ms. */
  workerWaitMs?: number;
}

/** A running inbox. */
export interface InboxServer {
  url: string;
  /** How many event streams of runs the inbox reads now: of run `workflowId`, or of every run. */
  subscriptions(workflowId?: string): number;
  close(): Promise<void>;
}

/** One waiting run as the page shows it. */
export interface WaitingRun {
  workflowId: string;
  flow: string;
  startedAt: string;
  link: string | undefined;
  prompts: PendingPrompt[];
  /** Said when no worker polls the run's task queue: answers are queued until one does. */
  noWorker?: string;
  /** For a fork: "fork of <id> at step N (node)". */
  fork?: string;
}

const MAX_BODY_BYTES = 64 * 1024;
/** How much a page's live cards may wait unsent before the page is let go. */
const MAX_UNSENT_BYTES = 1024 * 1024;
const NOT_CONFIRMED = "No worker confirmed the answer in time.";
/** The host names the inbox serves under (its page, and the Origin of its answers). */
const LOOPBACK = ['127.0.0.1', '::1', 'localhost'];

/** Starts the inbox; resolves once it listens. */
export async function startInboxServer(options: InboxOptions): Promise<InboxServer> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK.includes(host)) {
    // Its page hands out the token that answers: anyone who can load it can answer every run.
    throw new PocketFlowError(
      `The inbox serves this machine only (127.0.0.1, ::1 or localhost), not ${host}: anyone who reaches its page can answer. ` +
        'To share it, put it behind a proxy that authenticates people.',
    );
  }
  await requireSearchAttributes(options.client, 'The inbox');
  const token = randomBytes(24).toString('base64url');
  const hub = new RunHub(options.client, options.runLink);
  let origin = '';
  const server = createServer((req, res) => {
    handle(req, res, { ...options, token, origin, hub }).catch((error: unknown) => {
      sendJson(res, 500, { error: error instanceof Error ? error.message : String(error) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new PocketFlowError(`Port ${options.port ?? 8090} on ${host} is taken; pass another with --port.`)
          : error,
      ),
    );
    server.listen(options.port ?? 8090, host, () => resolve());
  });
  const { port } = server.address() as { port: number };
  origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    url: `${origin}/`,
    subscriptions: (workflowId) => hub.subscriptions(workflowId),
    async close() {
      await hub.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

interface Context extends InboxOptions {
  token: string;
  origin: string;
  hub: RunHub;
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: Context): Promise<void> {
  // A page on another site, or a rebound DNS name, reaches this server only under a Host it does not have.
  if (!sameHost(req.headers.host, ctx.origin)) {
    sendJson(res, 421, { error: `This inbox answers at ${ctx.origin} only.` });
    return;
  }
  const url = new URL(req.url ?? '/', ctx.origin);
  const path = url.pathname;
  if (req.method === 'GET' && path === '/') {
    send(res, 200, 'text/html; charset=utf-8', INBOX_PAGE.replace('__TOKEN__', ctx.token));
  } else if (req.method === 'GET' && path === '/inbox.js') {
    send(res, 200, 'text/javascript; charset=utf-8', INBOX_SCRIPT);
  } else if (req.method === 'GET' && path === '/inbox.css') {
    send(res, 200, 'text/css; charset=utf-8', INBOX_STYLE);
  } else if (req.method === 'GET' && path === '/favicon.ico') {
    res.writeHead(204, { 'Cache-Control': 'max-age=86400' });
    res.end();
  } else if (req.method === 'GET' && path === '/api/waiting') {
    sendJson(res, 200, { runs: await waitingRuns(ctx) });
  } else if (req.method === 'GET' && path === '/events') {
    liveCards(req, res, ctx, url.searchParams.get('token') ?? '');
  } else if (req.method === 'POST' && path === '/api/answer') {
    await answer(req, res, ctx);
  } else {
    sendJson(res, 404, { error: `Nothing at ${req.method} ${path}.` });
  }
}

/** Every run waiting for an answer, newest first, with the prompts it recorded (no worker needed to read them). */
async function waitingRuns(ctx: Context): Promise<WaitingRun[]> {
  return (await listWaitingRuns(ctx.client)).map((run) => ({
    workflowId: run.workflowId,
    flow: run.flow,
    startedAt: run.startedAt,
    link: ctx.runLink?.(run.workflowId),
    prompts: run.prompts,
    ...(run.workers === 0 ? { noWorker: noWorkerNotice(run.taskQueue, true) } : {}),
    ...(run.fork === undefined ? {} : { fork: run.fork }),
  }));
}

/**
 * The page's live cards, as server-sent events: every card at once, then each change. EventSource
 * sends no header of ours, so the page's token comes as a query parameter.
 */
function liveCards(req: IncomingMessage, res: ServerResponse, ctx: Context, token: string): void {
  const foreign = foreignOrigin(req, ctx);
  const refusal =
    foreign === undefined
      ? tokenRefusal(token, ctx, 'The live cards need')
      : `The live cards go only to the inbox's own page (${ctx.origin}), not to ${foreign}.`;
  if (refusal !== undefined) {
    sendJson(res, 403, { error: refusal });
    return;
  }
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.flushHeaders();
  const leave = ctx.hub.connect({
    send(message: HubMessage) {
      if (res.writableLength > MAX_UNSENT_BYTES) {
        // A page that stopped reading: it is let go (EventSource connects again and gets every card afresh).
        res.destroy();
      } else if (!res.writableEnded) {
        // JSON has no line break of its own: one data line per message.
        res.write(`event: ${message.type}\ndata: ${JSON.stringify(message)}\n\n`);
      }
    },
  });
  res.once('close', leave);
}

/** Answers one prompt with the update, so that a refused answer says why at once. */
async function answer(req: IncomingMessage, res: ServerResponse, ctx: Context): Promise<void> {
  const refusal = crossSiteRefusal(req, ctx);
  if (refusal !== undefined) {
    sendJson(res, 403, { error: refusal });
    return;
  }
  const raw = await readBody(req, MAX_BODY_BYTES);
  if (raw === undefined) {
    sendJson(res, 413, { error: `An answer is at most ${MAX_BODY_BYTES} bytes.` });
    return;
  }
  let parsed: { workflowId?: unknown; requestId?: unknown; answer?: unknown };
  try {
    parsed = JSON.parse(raw.toString('utf8')) as typeof parsed;
  } catch {
    sendJson(res, 400, { error: 'The body must be JSON: { "workflowId": string, "requestId": number, "answer": string }.' });
    return;
  }
  const { workflowId, requestId, answer: text } = parsed;
  if (typeof workflowId !== 'string' || typeof text !== 'string' || (requestId !== undefined && !Number.isInteger(requestId))) {
    sendJson(res, 400, { error: 'The body must be { "workflowId": string, "requestId": number, "answer": string }.' });
    return;
  }
  try {
    const description = await describeFlowRun(ctx.client, workflowId);
    const queue = async (why: string): Promise<void> => {
      // No worker checks it now: queue it, once the prompt's allowed answers take it.
      const prompt = recordedPrompt(waitingRecordOf(description), requestId as number | undefined);
      const refused = recordedRefusal(prompt, text);
      if (prompt !== undefined && refused !== undefined) {
        throw new AnswerRefusedError(workflowId, new InvalidInputError(prompt.node, text, refused).message);
      }
      await answerFlow(ctx.client, workflowId, text, { requestId: requestId as number | undefined, wait: 'signal' });
      sendJson(res, 200, { queued: true, requestId: prompt?.requestId ?? requestId, why });
      ctx.hub.reread(workflowId);
    };
    if ((await workflowPollers(ctx.client, description.taskQueue)) === 0) {
      await queue(`no worker polls task queue '${description.taskQueue}'`);
      return;
    }
    const ms = ctx.workerWaitMs ?? 2500;
    let accepted: Awaited<ReturnType<typeof answerFlow>>;
    try {
      accepted = await withDeadline(
        ctx.client.withDeadline(Date.now() + ms + 500, () => answerFlow(ctx.client, workflowId, text, { requestId: requestId as number | undefined })),
        ms,
        NOT_CONFIRMED,
      );
    } catch (error) {
      if (!(error instanceof DeadlineError)) {
        throw error;
      }
      const held = await answerHeldByFailingTask(ctx.client, description);
      if (held !== undefined) {
        sendJson(res, 409, { error: held });
        return;
      }
      await queue(`no worker took it within ${ms / 1000} s`);
      return;
    }
    sendJson(res, 200, { accepted });
    ctx.hub.reread(workflowId);
  } catch (error) {
    const status = error instanceof AnswerRefusedError ? 422 : error instanceof UnknownRunError ? 404 : 502;
    sendJson(res, status, { error: error instanceof Error ? error.message : String(error) });
  }
}

/** Why an answer may come from another site, or undefined when it comes from the inbox's own page. */
function crossSiteRefusal(req: IncomingMessage, ctx: Context): string | undefined {
  const foreign = foreignOrigin(req, ctx);
  if (foreign !== undefined) {
    return `Answers are taken only from the inbox's own page (${ctx.origin}), not from ${foreign}.`;
  }
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
    return 'Answers must be sent as application/json.';
  }
  return tokenRefusal(String(req.headers['x-inbox-token'] ?? ''), ctx, 'Answers need');
}

/** The request's Origin when it is another site's; undefined when it is the inbox's own, or absent (a same-origin GET sends none). */
function foreignOrigin(req: IncomingMessage, ctx: Context): string | undefined {
  const origin = req.headers.origin;
  return origin !== undefined && !(sameHost(hostOf(origin), ctx.origin) && origin.startsWith('http://')) ? origin : undefined;
}

/** Why `token` is not the page's, or undefined when it is. */
function tokenRefusal(token: string, ctx: Context, what: string): string | undefined {
  const given = Buffer.from(token);
  const expected = Buffer.from(ctx.token);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return `${what} the inbox page's token (reload the page).`;
  }
  return undefined;
}

/** True when `host` (a Host header) names the inbox: its own address, or another loopback name on its port. */
function sameHost(host: string | undefined, origin: string): boolean {
  const own = new URL(origin);
  return host === own.host || [`localhost:${own.port}`, `127.0.0.1:${own.port}`, `[::1]:${own.port}`].includes(host ?? '');
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Content-Security-Policy': "default-src 'self'; frame-ancestors 'none'",
  });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}
