/**
 * The Temporal Web UI shows what the CLI says: a dev server of this test's own WITH the UI (the
 * suite's shared one is headless), workers against it, two orders placed with the real `orders`
 * binary, and Chromium (playwright-core) reading the pages the CLI links to. Payloads are
 * encrypted: the dev server's UI decodes them through a codec server of this test's own, as
 * `npm start` wires it, and the order's page shows the shipping address in clear.
 *
 * The browser is the one the npm package @sparticuz/chromium carries (test/support/browser.ts), so
 * `npm install` is enough; CHROMIUM_PATH picks another. Without a browser this test FAILS.
 * Screenshots: test-output/browser/*.png.
 *
 * The second test drives the UI's "Send a Signal" action (More Actions menu): an unsigned `approve`
 * naming an approver is recorded as refused, a signed decision pasted there lets the order finish.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { PlaceJsonSchema } from '../../src/cli/schemas';
import { orderIdOfWorkflow } from '../../src/domain';
import { signedDecision } from '../support/decisions';
import { parseKeyring } from '../../src/runtime/codec-keys';
import { startCodecServer, type RunningCodecServer } from '../../src/runtime/codec-server';
import { AesGcmPayloadCodec } from '../../src/runtime/payload-codec';
import { projectRoot } from '../../src/runtime/paths';
import { freePort } from '../../tools/dev-stack/ports';
import { resolveTemporalCli } from '../../tools/dev-stack/temporal-cli';
import { startDevServer, type RunningDevServer } from '../../tools/dev-stack/temporal-server';
import { launchChromium } from '../support/browser';
import { TEST_ADDRESS } from '../support/cli';
import { runCli } from '../support/processes';
import { seedSku, testPolicy, uid, waitForView } from '../support/orders';
import { startTestWorkers, type TestWorkers } from '../support/workers';
import { startTestApi, type TestApi } from '../support/api';
import type { OrderView } from '../../src/domain';
import type { orderWorkflow } from '../../workflows/order';

jest.setTimeout(180_000);

const SHOTS = path.join(projectRoot(), 'test-output', 'browser');
const SHIP_TO = JSON.stringify(TEST_ADDRESS);

let server: RunningDevServer | undefined;
let codec: RunningCodecServer | undefined;
let stack: TestWorkers | undefined;
let api: TestApi | undefined;
let browser: Browser | undefined;
let uiUrl: string;
let env: NodeJS.ProcessEnv;

async function waitForHttp(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Web UI at ${url} did not answer within ${timeoutMs} ms: ${String(last)}`);
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
  const cli = await resolveTemporalCli({ allowDownload: false });
  if (cli.kind !== 'path') throw new Error('unreachable: download disabled');
  const uiPort = await freePort();
  // As npm start wires it: the run's keys, loopback, CORS for the UI's origin only.
  codec = await startCodecServer({
    codec: new AesGcmPayloadCodec(parseKeyring(process.env.PAYLOAD_CODEC_KEYS!, 'PAYLOAD_CODEC_KEYS')),
    port: await freePort(),
    corsOrigins: [`http://localhost:${uiPort}`],
  });
  server = await startDevServer({
    cliPath: cli.path,
    port: await freePort(),
    uiPort,
    namespace: 'default',
    uiCodecEndpoint: codec.url,
  });
  uiUrl = server.uiUrl!;
  await waitForHttp(uiUrl);
  // Long enough that the waiting order is still waiting when the browser looks (the workers' policy).
  stack = await startTestWorkers(undefined, server.address, { policy: testPolicy({ approvalTimeoutMs: 600_000 }) });
  api = await startTestApi(stack); // orders are placed through the Orders API, as customer service
  env = {
    ...process.env,
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_UI_URL: uiUrl,
    TASK_QUEUE_PREFIX: stack.prefix,
    TRANSIT_TIME_MS: '300',
    ...(await api.cliAs('desk-ui', 'customer-service')),
  };
});

afterAll(async () => {
  await api?.stop();
  await browser?.close();
  await stack?.stop();
  await server?.stop();
  await codec?.stop();
});

async function newPage(): Promise<Page> {
  return browser!.newPage({ viewport: { width: 1400, height: 1000 } });
}

async function place(sku: string, extra: string[] = []) {
  const orderId = uid('ui');
  const result = await runCli(
    [
      'place',
      '--customer',
      'cust-ui',
      '--item',
      `${sku}:1`,
      '--ship-to',
      SHIP_TO,
      '--token',
      'tok_ok',
      '--order-id',
      orderId,
      '--json',
      ...extra,
    ],
    env,
  );
  if (result.code !== 0) throw new Error(`orders place exited ${result.code}: ${result.stderr}`);
  return PlaceJsonSchema.parse(JSON.parse(result.stdout));
}

test('the Web UI lists the order awaiting approval, and shows the delivered one Completed with its saga steps', async () => {
  const cheap = await seedSku(stack!.pool, { priceCents: 2_000, stock: { east: 5 } });
  const big = await seedSku(stack!.pool, { priceCents: 120_000, stock: { east: 2 } });

  const delivered = await place(cheap, ['--wait']);
  expect(delivered.final).toMatchObject({ status: 'Delivered' });
  const awaiting = await place(big);
  await waitForView(stack!.client.workflow.getHandle(awaiting.workflowId), (v) => v.status === 'AwaitingApproval');
  // The links the CLI prints point at this UI.
  expect(delivered.url).toBe(`${uiUrl}/namespaces/default/workflows/order-${delivered.orderId}`);

  // 1. The list filtered on the OrderStatus search attribute.
  const list = await newPage();
  const listUrl = `${uiUrl}/namespaces/default/workflows?query=${encodeURIComponent('OrderStatus="AwaitingApproval"')}`;
  const awaitingRow = list.getByRole('link', { name: awaiting.workflowId, exact: true });
  for (let attempt = 0; ; attempt++) {
    await list.goto(listUrl);
    try {
      await awaitingRow.first().waitFor({ state: 'visible', timeout: 5_000 });
      break;
    } catch (err) {
      if (attempt >= 5) {
        await list.screenshot({ path: path.join(SHOTS, 'awaiting-approval-list-FAILED.png'), fullPage: true });
        throw err;
      }
    }
  }
  await list.screenshot({ path: path.join(SHOTS, 'awaiting-approval-list.png'), fullPage: true });
  const listed = await list.locator('main').innerText();
  expect(listed).toContain(awaiting.workflowId);
  expect(listed).not.toContain(delivered.workflowId);

  // 2. The delivered order's page, opened from the CLI's link.
  const order = await newPage();
  await order.goto(delivered.url);
  await order.getByTestId('workflow-id-heading').filter({ hasText: delivered.workflowId }).waitFor({ timeout: 30_000 });
  await expect(
    order
      .locator('span', { hasText: /^\s*Completed\s*$/ })
      .first()
      .isVisible(),
  ).resolves.toBe(true);
  await order
    .locator('svg text', { hasText: /^capture/ })
    .first()
    .waitFor({ timeout: 30_000 });
  // The order's input is stored encrypted: the page shows it in clear only because the UI sent it
  // to the codec server. The address is there, the card token is not (only its pm_ reference).
  try {
    await order.getByText(TEST_ADDRESS.line1).first().waitFor({ timeout: 30_000 });
  } catch (err) {
    await order.screenshot({ path: path.join(SHOTS, 'delivered-order-input-FAILED.png'), fullPage: true });
    throw err;
  }
  const pageText = await order.locator('body').innerText();
  expect(pageText).toContain(TEST_ADDRESS.name);
  expect(pageText).toMatch(/pm_[a-f0-9]{24}/);
  expect(pageText).not.toContain('binary/encrypted');
  await order.screenshot({ path: path.join(SHOTS, 'delivered-order.png'), fullPage: true });

  // The event-history timeline names each activity (type • summary), the parcel's booking among them.
  const steps = (await order.locator('svg text').allTextContents()).map((t) => t.trim());
  for (const activity of [
    'priceOrder',
    'reserve',
    'screenCustomer',
    'validateAddress',
    'authorize',
    'capture',
    'confirm',
  ]) {
    expect(steps).toContainEqual(expect.stringMatching(new RegExp(`^${activity}( •|$)`)));
  }
  // v0.8: the parcel runs inside the order (no shipment child): its booking is one of the order's steps.
  expect(steps).toContainEqual(expect.stringMatching(/^bookShipment( •|$)/));
  await order
    .locator('svg text', { hasText: /^reserve/ })
    .first()
    .scrollIntoViewIfNeeded();
  await order.screenshot({ path: path.join(SHOTS, 'delivered-order-timeline.png') });

  // Its summary tells the story on the order's page: "Book shipment from east".
  await order.getByText('Book shipment from east').first().waitFor({ timeout: 30_000 });
  await order.screenshot({ path: path.join(SHOTS, 'delivered-order-parcel.png'), fullPage: true });
});

/** Notes of the order's status history (refused signals, decisions, reminders). */
const notesOf = (view: OrderView) => view.history.flatMap((h) => (h.note ? [h.note] : []));

/**
 * More Actions → Send a Signal on an open workflow page: picks `name` from the signals the worker
 * advertises, types `input` as JSON (json/plain), screenshots the filled dialog, submits, and
 * waits for the UI to confirm (the dialog closes only once the server accepted the signal).
 */
async function sendSignalInUi(page: Page, name: string, input: object, shot: string): Promise<void> {
  await page.getByRole('button', { name: 'More Actions' }).click();
  await page.getByRole('menuitem', { name: 'Send a Signal' }).click();
  const dialog = page.getByRole('dialog', { name: 'Send a Signal' });
  await dialog.waitFor();

  // The signal names come from the workflow's metadata query: approve, reject, cancel, ...
  await dialog.getByTestId('signal-select-button').click();
  await dialog.getByRole('option', { name, exact: true }).click();
  await expect(dialog.getByTestId('signal-select').inputValue()).resolves.toBe(name);

  // "Data" is a CodeMirror editor: a contenteditable textbox (the disabled select input is not).
  // On blur the UI pretty-prints it, which grows the dialog and moves Submit: blur first, so the
  // click below waits for a stable button instead of racing the re-layout.
  const data = dialog.locator('[role="textbox"][contenteditable="true"]');
  await data.fill(JSON.stringify(input));
  await data.blur();
  expect(JSON.parse(await data.innerText())).toEqual(input);
  await expect(dialog.getByRole('radio', { name: 'json/plain' }).isChecked()).resolves.toBe(true);
  await dialog.screenshot({ path: path.join(SHOTS, shot) });

  await dialog.getByRole('button', { name: 'Submit' }).click();
  try {
    await dialog.waitFor({ state: 'hidden', timeout: 15_000 });
  } catch (err) {
    await page.screenshot({ path: path.join(SHOTS, shot.replace(/\.png$/, '-FAILED.png')), fullPage: true });
    const alert = await dialog
      .getByRole('alert')
      .innerText({ timeout: 1_000 })
      .catch(() => '');
    throw new Error(`the Send a Signal dialog did not close${alert ? `: ${alert}` : ''}`, { cause: err });
  }
}

test('the Web UI\'s "Send a Signal": an unsigned approve is recorded as refused, a signed one delivers the order', async () => {
  const big = await seedSku(stack!.pool, { priceCents: 120_000, stock: { east: 2 } });
  const placed = await place(big);
  const handle = stack!.client.workflow.getHandle<typeof orderWorkflow>(placed.workflowId);
  await waitForView(handle, (v) => v.status === 'AwaitingApproval');

  const page = await newPage();
  await page.goto(placed.url);
  await page.getByTestId('workflow-id-heading').filter({ hasText: placed.workflowId }).waitFor({ timeout: 30_000 });

  // 1. Anyone with the UI can type an approver's name: the signal is delivered, refused, and noted.
  await sendSignalInUi(page, 'approve', { by: 'alice' }, 'signal-dialog-refused.png');
  const refused = await waitForView(handle, (v) => notesOf(v).some((n) => n.startsWith('refused approve signal')));
  expect(refused.status).toBe('AwaitingApproval');
  expect(refused.approval).toBeUndefined();
  expect(notesOf(refused)).toContainEqual(
    expect.stringMatching(/^refused approve signal: an unsigned approve is refused/),
  );
  await page.screenshot({ path: path.join(SHOTS, 'signal-refused-still-running.png'), fullPage: true });

  // 2. A decision signed with the key (as the Orders API signs alice's), through the same dialog.
  const proof = signedDecision(
    { orderId: orderIdOfWorkflow(placed.workflowId), decision: 'approve', by: 'alice', role: 'approver' },
    undefined,
    { note: 'via web ui' },
  );
  await sendSignalInUi(page, 'approve', { by: 'alice', note: 'via web ui', proof }, 'signal-dialog-approve.png');
  const final = await handle.result();
  expect(final.status).toBe('Delivered');
  expect(final.approval).toMatchObject({ decision: 'approved', by: 'alice', note: 'via web ui' });
  expect(notesOf(final)).toContain('approved by alice (approver, signed): via web ui');
  expect(notesOf(final).filter((n) => n.startsWith('refused'))).toHaveLength(1);

  // The page shows the run Completed, and both signals (the refused one too) on its timeline.
  await page.reload();
  await page.getByTestId('workflow-id-heading').filter({ hasText: placed.workflowId }).waitFor({ timeout: 30_000 });
  await page
    .locator('span', { hasText: /^\s*Completed\s*$/ })
    .first()
    .waitFor({ timeout: 30_000 });
  await page.screenshot({ path: path.join(SHOTS, 'signal-approved-delivered.png'), fullPage: true });
  const approveSignals = page.locator('svg text', { hasText: /^\s*approve\s*$/ });
  await approveSignals.first().waitFor({ timeout: 30_000 });
  await expect(approveSignals.count()).resolves.toBe(2);
  await approveSignals.last().scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, 'signal-approved-timeline.png') });
});
