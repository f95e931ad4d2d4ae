/**
 * A PostgreSQL LISTEN that stays up: its own connection (a pooled one would be held for ever),
 * reconnected with a growing pause when it drops. Notices sent while it was down are lost, so
 * `onReconnect` runs once it listens again: the listener then treats everything as changed.
 */
import { Client, type Pool } from 'pg';
import { logger } from '../logger';

export interface Listening {
  close(): Promise<void>;
}

export interface ListenOptions {
  channel: string;
  onNotice(payload: string): void;
  /** After a reconnect (not the first connect): notices may have been missed meanwhile. */
  onReconnect(): void;
  /** First pause before reconnecting; doubles up to 10 s. */
  retryMs?: number;
}

const MAX_RETRY_MS = 10_000;

/** Listens on `channel` with the pool's connection settings; resolves once the first LISTEN is in place. */
export async function listen(pool: Pool, opts: ListenOptions): Promise<Listening> {
  let client: Client | undefined;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let pauseMs = opts.retryMs ?? 500;

  const connect = async (): Promise<void> => {
    const next = new Client(pool.options);
    next.on('notification', (n) => {
      if (n.channel === opts.channel && n.payload !== undefined) opts.onNotice(n.payload);
    });
    next.on('error', (err) => {
      logger.warn({ err: err.message, channel: opts.channel }, 'LISTEN connection lost; reconnecting');
      void next.end().catch(() => undefined);
      if (client === next) reconnectSoon();
    });
    next.on('end', () => {
      if (client === next) reconnectSoon();
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${opts.channel}`);
    } catch (err) {
      await next.end().catch(() => undefined); // a half-made connection must not linger
      throw err;
    }
    if (closed) {
      await next.end().catch(() => undefined); // closed while this one was being made
      return;
    }
    client = next;
  };

  const reconnectSoon = () => {
    client = undefined;
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      connect().then(
        () => {
          pauseMs = opts.retryMs ?? 500;
          opts.onReconnect();
        },
        (err: unknown) => {
          logger.warn({ err: (err as Error).message, channel: opts.channel }, 'LISTEN reconnect failed');
          pauseMs = Math.min(MAX_RETRY_MS, pauseMs * 2);
          reconnectSoon();
        },
      );
    }, pauseMs).unref();
  };

  await connect();
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      const last = client;
      client = undefined;
      await last?.end().catch(() => undefined);
    },
  };
}
