import { readFileSync } from 'node:fs';
import net from 'node:net';

/** True when nothing listens on host:port (we could bind it). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

const LOWEST = 10_000;
/** Handed out by this process already: two servers of one test never get the same port. */
const handedOut = new Set<number>();

/**
 * Where the kernel picks the local ports of outgoing connections (ip_local_port_range; Linux's
 * default 32768-60999). A port chosen from that range can be taken by any client's connection
 * (a pool's, gRPC's) between choosing it and binding it: "port already in use", now and then.
 */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > LOWEST + 1_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/**
 * A port free right now, below the kernel's range for outgoing connections, so no client's
 * connection takes it before the server that asked binds it (tests start servers on these).
 */
export async function freePort(): Promise<number> {
  const span = ephemeralLow() - LOWEST;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * span);
    if (handedOut.has(port) || !(await isPortFree(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port found between ${LOWEST} and ${LOWEST + span}`);
}
