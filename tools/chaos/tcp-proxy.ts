/**
 * A TCP proxy on loopback between the workers and PostgreSQL, with three behaviours:
 * - pass: bytes flow both ways;
 * - black-hole: connections are accepted and kept, but nothing is forwarded (reads are paused,
 *   so clients hang exactly as behind a dead network path); `pass()` resumes them where they were;
 * - cut: every open connection is destroyed (clients see a reset), new ones pass.
 */
import net from 'node:net';

export type ProxyMode = 'pass' | 'blackhole';

interface Pair {
  client: net.Socket;
  upstream?: net.Socket;
}

export interface TcpProxy {
  readonly port: number;
  readonly mode: ProxyMode;
  /** Open client connections. */
  connections(): number;
  blackhole(): void;
  pass(): void;
  /** Destroys every open connection. */
  cut(): void;
  close(): Promise<void>;
}

/** Forwards src → dst unless held; honours backpressure. */
function forward(src: net.Socket, dst: net.Socket, held: () => boolean): void {
  src.on('data', (chunk) => {
    if (!dst.write(chunk)) {
      src.pause();
      dst.once('drain', () => {
        if (!held()) src.resume();
      });
    }
  });
}

export async function startTcpProxy(opts: { targetPort: number; targetHost?: string }): Promise<TcpProxy> {
  const host = '127.0.0.1';
  const targetHost = opts.targetHost ?? host;
  let mode: ProxyMode = 'pass';
  const pairs = new Set<Pair>();
  const held = () => mode === 'blackhole';

  const destroy = (pair: Pair) => {
    pairs.delete(pair);
    pair.client.destroy();
    pair.upstream?.destroy();
  };

  const connectUpstream = (pair: Pair) => {
    const upstream = net.connect({ host: targetHost, port: opts.targetPort });
    pair.upstream = upstream;
    upstream.setNoDelay(true);
    upstream.on('error', () => destroy(pair));
    upstream.on('close', () => destroy(pair));
    forward(pair.client, upstream, held);
    forward(upstream, pair.client, held);
    pair.client.resume();
  };

  const server = net.createServer({ pauseOnConnect: true }, (client) => {
    const pair: Pair = { client };
    pairs.add(pair);
    client.setNoDelay(true);
    client.on('error', () => destroy(pair));
    client.on('close', () => destroy(pair));
    // Black-holed: accepted and kept, not connected upstream until the path comes back.
    if (mode === 'pass') connectUpstream(pair);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;

  return {
    port,
    get mode() {
      return mode;
    },
    connections: () => pairs.size,
    blackhole() {
      mode = 'blackhole';
      for (const { client, upstream } of pairs) {
        client.pause();
        upstream?.pause();
      }
    },
    pass() {
      mode = 'pass';
      for (const pair of [...pairs]) {
        if (!pair.upstream) connectUpstream(pair);
        else {
          pair.client.resume();
          pair.upstream.resume();
        }
      }
    },
    cut() {
      for (const pair of [...pairs]) destroy(pair);
    },
    close() {
      for (const pair of [...pairs]) destroy(pair);
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
