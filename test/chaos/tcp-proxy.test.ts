import net from 'node:net';
import { startTcpProxy, type TcpProxy } from '../../tools/chaos/tcp-proxy';

let echo: net.Server;
let echoPort: number;
let proxy: TcpProxy;

beforeAll(async () => {
  echo = net.createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  echoPort = (echo.address() as net.AddressInfo).port;
  proxy = await startTcpProxy({ targetPort: echoPort });
});
afterAll(async () => {
  await proxy.close();
  await new Promise((r) => echo.close(r));
});

function connect(): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port: proxy.port }, () => resolve(s));
    s.once('error', reject);
  });
}
/** Resolves with what came back within `ms`. */
function readFor(s: net.Socket, ms: number): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const on = (d: Buffer) => (got += d.toString());
    s.on('data', on);
    setTimeout(() => (s.off('data', on), resolve(got)), ms);
  });
}

test('passes bytes both ways', async () => {
  const s = await connect();
  s.write('hello');
  expect(await readFor(s, 200)).toBe('hello');
  s.destroy();
});

test('black-holes open and new connections, then resumes them where they hung', async () => {
  const open = await connect();
  proxy.blackhole();
  const fresh = await connect(); // accepted, but not forwarded
  open.write('a');
  fresh.write('b');
  const [heldOpen, heldFresh] = await Promise.all([readFor(open, 300), readFor(fresh, 300)]);
  expect([heldOpen, heldFresh]).toEqual(['', '']);
  const late = Promise.all([readFor(open, 300), readFor(fresh, 300)]);
  proxy.pass();
  expect(await late).toEqual(['a', 'b']);
  open.destroy();
  fresh.destroy();
});

test('cut closes every open connection; new ones pass', async () => {
  const s = await connect();
  const closed = new Promise((r) => s.once('close', r));
  s.on('error', () => undefined);
  await new Promise((r) => setTimeout(r, 50));
  expect(proxy.connections()).toBeGreaterThan(0);
  proxy.cut();
  await closed;
  const again = await connect();
  again.write('x');
  expect(await readFor(again, 200)).toBe('x');
  again.destroy();
});
