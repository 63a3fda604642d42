/**
 * A codec server, so that the Temporal Web UI and CLI show payloads decoded: they send the
 * payloads as the server stores them to `POST /decode` and get them back decoded, and send
 * plain payloads to `POST /encode` (both also under any path prefix, such as `/default/decode`).
 * Bodies are `{ "payloads": [...] }` in proto3 JSON: every bytes field (data, metadata values)
 * is base64. It logs nothing, so payload contents never reach a log.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { JSONToPayload, payloadToJSON } from '@temporalio/common/lib/proto-utils.js';
import { PocketFlowError } from '../core/index.js';
import { readBody } from './http-body.js';

export interface CodecServerOptions {
  /** Applied in order to encode and in reverse order to decode. */
  codecs: PayloadCodec[];
  /** The address to listen on. Default: 127.0.0.1. */
  host?: string;
  /** The port to listen on; 0 takes any free port. Default: 8888. */
  port?: number;
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  token?: string;
  /** The browser origins (the Web UI's) allowed to call the server. Default: the local dev server's UI. */
  origins?: string[];
}

export interface CodecServer {
  /** Where it listens, such as `http://127.0.0.1:8888`: the codec endpoint to give the UI. */
  url: string;
  /** Stops listening and closes every open connection. */
  close(): Promise<void>;
}

/** The origins of the local dev server's Web UI, as typed in a browser. */
export const DEFAULT_UI_ORIGINS: readonly string[] = ['http://localhost:8233', 'http://127.0.0.1:8233'];

/** The largest request body taken, in bytes. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

const EXPECTED = 'Expected JSON {"payloads": [{"metadata": {"<key>": "<base64>"}, "data": "<base64>"}]}.';

/** What a request gets back. */
interface Reply {
  status: number;
  body?: object;
  headers?: Record<string, string>;
}

const message = (status: number, text: string, headers?: Record<string, string>): Reply => ({ status, body: { message: text }, headers });

/** `encode` or `decode` for a path ending in /encode or /decode, else undefined. */
function operationOf(url: string | undefined): 'encode' | 'decode' | undefined {
  const path = new URL(url ?? '/', 'http://codec-server.invalid').pathname;
  const match = /^(?:\/.*)?\/(encode|decode)\/?$/.exec(path);
  return match?.[1] as 'encode' | 'decode' | undefined;
}

/** True when the Authorization header is `Bearer <token>`, compared in constant time. */
function carriesToken(header: string | undefined, token: string): boolean {
  const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
  const given = /^Bearer +(.+)$/i.exec(header ?? '')?.[1] ?? '';
  return timingSafeEqual(digest(given), digest(token)) && given !== '';
}

/** The payloads of a request body, or what is wrong with it. */
function payloadsOf(body: Buffer): Payload[] | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return `The body is not JSON. ${EXPECTED}`;
  }
  const payloads = typeof parsed === 'object' && parsed !== null ? (parsed as { payloads?: unknown }).payloads : undefined;
  if (!Array.isArray(payloads)) {
    return `The body has no "payloads" array. ${EXPECTED}`;
  }
  const result: Payload[] = [];
  for (const [index, json] of payloads.entries()) {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      return `payloads[${index}] is not an object. ${EXPECTED}`;
    }
    try {
      result.push(JSONToPayload(json as object));
    } catch (error) {
      return `payloads[${index}] is not a payload (${(error as Error).message}). ${EXPECTED}`;
    }
  }
  return result;
}

/** Runs the codecs over the request's payloads. */
async function handle(request: IncomingMessage, options: CodecServerOptions, originAllowed: boolean, hosts: ReadonlySet<string>): Promise<Reply> {
  // A web page that reaches this server through a rebound DNS name sends its own Host: it would decrypt at will.
  if (!hosts.has((request.headers.host ?? '').toLowerCase())) {
    return message(421, `This codec server answers under ${[...hosts].join(', ')} only.`);
  }
  // A browser page of another origin may not use it, even where CORS would hide the answer from that page.
  if (request.headers.origin !== undefined && !originAllowed) {
    return message(403, `Origin ${request.headers.origin} is not allowed; add it with --ui-origin.`);
  }
  const operation = operationOf(request.url);
  if (operation === undefined) {
    return message(404, 'Not found. The codec server answers POST <endpoint>/encode and POST <endpoint>/decode.');
  }
  if (request.method === 'OPTIONS') {
    return originAllowed
      ? { status: 204 }
      : message(403, `Origin ${request.headers.origin ?? '(none)'} is not allowed; add it with --ui-origin.`);
  }
  if (request.method !== 'POST') {
    return message(405, `${operation} takes POST.`, { Allow: 'POST, OPTIONS' });
  }
  if (options.token !== undefined && !carriesToken(request.headers.authorization, options.token)) {
    return message(401, 'Missing or wrong bearer token: send Authorization: Bearer <the codec server token>.', {
      'WWW-Authenticate': 'Bearer',
    });
  }
  const body = await readBody(request, MAX_BODY_BYTES);
  if (body === undefined) {
    return message(413, `The body is over ${MAX_BODY_BYTES} bytes; send fewer payloads at a time.`, { Connection: 'close' });
  }
  const parsed = payloadsOf(body);
  if (typeof parsed === 'string') {
    return message(400, parsed);
  }
  let payloads = parsed;
  try {
    for (const codec of operation === 'encode' ? options.codecs : [...options.codecs].reverse()) {
      payloads = await codec[operation](payloads);
    }
  } catch (error) {
    return message(422, error instanceof Error ? error.message : String(error));
  }
  return { status: 200, body: { payloads: payloads.map(payloadToJSON) } };
}

/** Answers one request, with the CORS headers when its origin is allowed. */
async function answer(
  request: IncomingMessage,
  response: ServerResponse,
  options: CodecServerOptions,
  origins: ReadonlySet<string>,
  hosts: ReadonlySet<string>,
): Promise<void> {
  const origin = request.headers.origin;
  const allowed = origin !== undefined && origins.has(origin);
  let reply: Reply;
  try {
    reply = await handle(request, options, allowed, hosts);
  } catch {
    // The request broke off (the client went away) or the server has a bug; neither is the payloads' fault.
    reply = message(500, 'The codec server failed to read the request.');
  }
  const headers: Record<string, string> = { ...(allowed ? corsHeaders(origin) : {}), ...reply.headers, 'Cache-Control': 'no-store' };
  if (reply.body === undefined) {
    response.writeHead(reply.status, headers).end();
    return;
  }
  response.writeHead(reply.status, { ...headers, 'Content-Type': 'application/json' }).end(JSON.stringify(reply.body));
}

/** The CORS headers for an allowed origin. */
function corsHeaders(origin: string): Record<string, string> {
  return {
    'Access-Control-Allow-Origin': origin,
    Vary: 'Origin',
    'Access-Control-Allow-Methods': 'POST, OPTIONS',
    'Access-Control-Allow-Headers': 'Content-Type, X-Namespace, Authorization',
    'Access-Control-Allow-Credentials': 'true',
  };
}

/** The origin of a URL such as `http://localhost:8233/`; refuses what is not one. */
function originOf(url: string): string {
  let origin: string;
  try {
    origin = new URL(url).origin;
  } catch {
    origin = 'null';
  }
  if (origin === 'null') {
    throw new PocketFlowError(`'${url}' is not a web origin; give one such as http://localhost:8233.`);
  }
  return origin;
}

/** The host part of a URL for a listening address. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') {
    return 'localhost';
  }
  return host.includes(':') ? `[${host}]` : host;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Starts a codec server; it listens once the returned promise resolves. */
export async function startCodecServer(options: CodecServerOptions): Promise<CodecServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8888;
  const origins = new Set((options.origins ?? DEFAULT_UI_ORIGINS).map(originOf));
  if (options.token === '') {
    throw new PocketFlowError('The codec server token is empty; give a token, or none to take requests without one.');
  }
  const loopback = ['127.0.0.1', '::1', 'localhost'].includes(host);
  if (!loopback && options.token === undefined) {
    throw new PocketFlowError(
      `The codec server would decrypt for anyone who reaches ${host}: set POCKETFLOW_CODEC_TOKEN to listen beyond this machine.`,
    );
  }
  const hosts = new Set<string>();
  const server = createServer((request, response) => {
    void answer(request, response, options, origins, hosts);
  });
  try {
    await listen(server, port, host);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'the port is in use; choose another' : (error as Error).message;
    throw new PocketFlowError(`The codec server cannot listen on ${host}:${port}: ${reason}.`, { cause: error });
  }
  const { port: bound } = server.address() as AddressInfo;
  for (const name of loopback ? ['127.0.0.1', 'localhost', '[::1]'] : [urlHost(host)]) {
    hosts.add(`${name}:${bound}`.toLowerCase());
  }
  return {
    url: `http://${urlHost(host)}:${bound}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}
