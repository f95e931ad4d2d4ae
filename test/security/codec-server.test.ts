/**
 * The codec server speaks Temporal's remote-codec protocol: the plain `temporal` CLI, given only its
 * URL (`--codec-endpoint`), shows an order's decrypted input; browsers get answers only from the
 * allowed origins; malformed requests and unknown keys get a status and a message, never a crash.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import { newKeyEntry, parseKeyring } from '../../src/runtime/codec-keys';
import { startCodecServer, type RunningCodecServer } from '../../src/runtime/codec-server';
import { AesGcmPayloadCodec } from '../../src/runtime/payload-codec';
import { freePort } from '../../tools/dev-stack/ports';
import { TEST_ADDRESS } from '../support/cli';
import { fromBase64, payloadsIn, rawHistory, toRawPayload } from '../support/raw-history';
import { orderRequest, place, seedSku, testSettings } from '../support/orders';
import { startTestWorkers, type TestWorkers } from '../support/workers';

const UI_ORIGIN = 'http://localhost:8233';

let server: RunningCodecServer;
let stack: TestWorkers;
const codec = () => new AesGcmPayloadCodec(parseKeyring(process.env.PAYLOAD_CODEC_KEYS!, 'PAYLOAD_CODEC_KEYS'));

beforeAll(async () => {
  server = await startCodecServer({ codec: codec(), port: await freePort(), corsOrigins: [UI_ORIGIN] });
  stack = await startTestWorkers();
});
afterAll(async () => {
  await stack.stop();
  await server.stop();
});

function post(route: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${server.url}${route}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Namespace': 'default', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

test('the plain temporal CLI, pointed at the codec server, shows the order decrypted', async () => {
  const sku = await seedSku(stack.pool, { priceCents: 1_000, stock: { east: 1 } });
  const { handle, workflowId } = await place(
    stack.client,
    orderRequest({ items: [{ sku, quantity: 1 }] }),
    testSettings(),
    stack.prefix,
  );
  expect((await handle.result()).status).toBe('Delivered');
  const dataOf = async (extra: string[]) =>
    payloadsIn((await rawHistory(workflowId, extra)).events)
      .map((p) => fromBase64(p.data).toString('utf8'))
      .join('\n');
  expect(await dataOf([])).not.toContain(TEST_ADDRESS.line1);
  const decoded = await dataOf(['--codec-endpoint', server.url]);
  expect(decoded).toContain(TEST_ADDRESS.line1);
  expect(decoded).toContain(sku);
});

test('encode then decode over HTTP gives back the payload; encoded data is ciphertext', async () => {
  const asJson = toRawPayload(defaultPayloadConverter.toPayload({ shipTo: TEST_ADDRESS }));
  const encoded = await post('/encode', { payloads: [asJson] });
  expect(encoded.status).toBe(200);
  const { payloads: encrypted } = (await encoded.json()) as { payloads: Array<{ data: string }> };
  expect(Buffer.from(encrypted[0]!.data, 'base64').includes(TEST_ADDRESS.name)).toBe(false);
  const decoded = await post('/decode', { payloads: encrypted });
  expect(decoded.status).toBe(200);
  expect(await decoded.json()).toEqual({ payloads: [asJson] });
});

test('CORS: the Web UI origin is granted (preflight and request), any other origin refused', async () => {
  const preflight = await fetch(`${server.url}/decode`, {
    method: 'OPTIONS',
    headers: {
      Origin: UI_ORIGIN,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'content-type,x-namespace',
    },
  });
  expect(preflight.status).toBe(204);
  expect(preflight.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
  expect(preflight.headers.get('access-control-allow-headers')).toMatch(/X-Namespace/);
  const ok = await post('/decode', { payloads: [] }, { Origin: UI_ORIGIN });
  expect(ok.status).toBe(200);
  expect(ok.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);

  const evil = await post('/decode', { payloads: [] }, { Origin: 'https://evil.example' });
  expect(evil.status).toBe(403);
  expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  expect(await evil.json()).toEqual({ error: 'origin https://evil.example is not allowed (CODEC_CORS_ORIGINS)' });
});

test('bad requests: a status and a message naming the problem', async () => {
  const notJson = await post('/decode', 'nope');
  expect(notJson.status).toBe(400);
  expect(await notJson.json()).toEqual({ error: 'body must be JSON: {"payloads": [...]}' });
  const noArray = await post('/decode', { payloads: 'x' });
  expect(noArray.status).toBe(400);
  expect(await noArray.json()).toEqual({ error: 'payloads: must be an array' });
  const get = await fetch(`${server.url}/decode`);
  expect(get.status).toBe(405);
  const other = await post('/elsewhere', { payloads: [] });
  expect(other.status).toBe(404);

  // A payload of a key this server does not hold: 422 with the key id, and the server goes on.
  const [foreign] = await new AesGcmPayloadCodec(parseKeyring(newKeyEntry(), 'foreign')).encode([
    defaultPayloadConverter.toPayload('x'),
  ]);
  const unknown = await post('/decode', { payloads: [toRawPayload(foreign!)] });
  expect(unknown.status).toBe(422);
  expect(((await unknown.json()) as { error: string }).error).toMatch(/not in this process's keyring/);
  expect((await post('/decode', { payloads: [] })).status).toBe(200);
});
