/**
 * The codec server: the HTTP endpoint the Temporal Web UI (and `temporal --codec-endpoint`) sends
 * encrypted payloads to, so people can still read orders there. Protocol (Temporal's remote codec):
 * `POST /decode` and `POST /encode` with `{"payloads":[{"metadata":{k: base64},"data": base64}]}`,
 * answered in the same shape.
 *
 * Whoever reaches this endpoint can decrypt any payload they hold: it listens on loopback by default,
 * and answers browsers only from the allowed origins (CORS). In production it goes behind the same
 * authentication as the Web UI (see docs/security.md, its threat model).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen, type Listening } from './http-listen';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { Config } from '../config';

export interface CodecServerOptions {
  codec: PayloadCodec;
  port: number;
  host?: string;
  /** Browser origins allowed to call (the Web UI's), e.g. http://localhost:8233. */
  corsOrigins: readonly string[];
}

export type RunningCodecServer = Listening;

/** Browser origins allowed: CODEC_CORS_ORIGINS (comma-separated), or else the Web UI's own. */
export function corsOriginsFrom(
  config: Pick<Config, 'CODEC_CORS_ORIGINS' | 'TEMPORAL_UI_PORT' | 'TEMPORAL_UI_URL'>,
): string[] {
  if (config.CODEC_CORS_ORIGINS)
    return config.CODEC_CORS_ORIGINS.split(',')
      .map((o) => o.trim())
      .filter(Boolean);
  const origins = [`http://localhost:${config.TEMPORAL_UI_PORT}`, `http://127.0.0.1:${config.TEMPORAL_UI_PORT}`];
  if (config.TEMPORAL_UI_URL) origins.push(new URL(config.TEMPORAL_UI_URL).origin);
  return origins;
}

/** The Web UI batches a page's payloads in one request; this bounds what one request may hold. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

class BadRequest extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

function fromJson(p: JsonPayload): Payload {
  if (typeof p !== 'object' || p === null) throw new BadRequest('payloads: each must be an object');
  const metadata: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(p.metadata ?? {})) {
    if (typeof v !== 'string') throw new BadRequest(`payloads: metadata.${k} must be a base64 string`);
    metadata[k] = Buffer.from(v, 'base64');
  }
  if (p.data !== undefined && typeof p.data !== 'string')
    throw new BadRequest('payloads: data must be a base64 string');
  return { metadata, data: Buffer.from(p.data ?? '', 'base64') };
}

function toJson(p: Payload): JsonPayload {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.metadata ?? {})) if (v) metadata[k] = Buffer.from(v).toString('base64');
  return { metadata, data: Buffer.from(p.data ?? new Uint8Array()).toString('base64') };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BadRequest(`body larger than ${MAX_BODY_BYTES} bytes`, 413);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parsePayloads(body: string): Payload[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new BadRequest('body must be JSON: {"payloads": [...]}');
  }
  const payloads = (parsed as { payloads?: unknown } | null)?.payloads;
  if (!Array.isArray(payloads)) throw new BadRequest('payloads: must be an array');
  return payloads.map((p) => fromJson(p as JsonPayload));
}

export function startCodecServer(opts: CodecServerOptions): Promise<RunningCodecServer> {
  const allowed = new Set(opts.corsOrigins);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const origin = req.headers.origin;
    if (origin !== undefined) {
      // A browser page from any other origin gets no CORS grant, and so cannot read the answer.
      if (!allowed.has(origin)) throw new BadRequest(`origin ${origin} is not allowed (CODEC_CORS_ORIGINS)`, 403);
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Vary', 'Origin');
    }
    const route = new URL(req.url ?? '/', 'http://codec').pathname.replace(/\/+$/, '');
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, X-Namespace, Authorization');
      res.setHeader('Access-Control-Max-Age', '600');
      res.writeHead(204).end();
      return;
    }
    if (route !== '/decode' && route !== '/encode') throw new BadRequest('not found: POST /decode or /encode', 404);
    if (req.method !== 'POST') throw new BadRequest(`${req.method} not allowed: use POST`, 405);
    const payloads = parsePayloads(await readBody(req));
    const out = route === '/decode' ? await opts.codec.decode(payloads) : await opts.codec.encode(payloads);
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ payloads: out.map(toJson) }));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof BadRequest ? err.status : 422; // 422: a payload we cannot decode
      if (!res.headersSent) res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: (err as Error).message }));
    });
  });
  return listen(server, opts.port, opts.host);
}
