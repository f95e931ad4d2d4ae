/**
 * Notifications leave as mail: the mail sender sends each notification row over SMTP to the
 * sandbox mail sink (smtp-server on a loopback port), which keeps it in its mailbox. A sink that is
 * away or refusing for a while delays the mail and nothing else; the sender tries again until it
 * lands, once. A refusal for good, no address, or the last attempt spent marks the row failed.
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Pool } from 'pg';
import { SMTPServer } from 'smtp-server';
import { createPool } from '../../src/db/pool';
import { brokerNames, type OrderEventMessage, type OrderEventType } from '../../src/domain';
import { DEFAULT_ADDRESSING } from '../../src/events/mail-message';
import { startMailSender } from '../../src/events/mail-sender';
import { notifyFor } from '../../src/events/notifications';
import { startEventProcessors } from '../../src/events/processors';
import type { Running } from '../../src/events/supervisor';
import { parseMail } from '../../src/providers/sandbox/mail-parse';
import { listMailbox, storeReceived } from '../../src/providers/sandbox/mailbox';
import { startMailSink } from '../../src/providers/sandbox/mail-sink';
import { freePort } from '../../tools/dev-stack/ports';
import { eventually, uid } from '../support/orders';
import { runCli } from '../support/processes';
import { sessionToken } from '../support/api';
import { runSigningKey } from '../support/decisions';
import { testSettings, testVault } from '../support/orders';
import { buildApi } from '../../src/api/server';
import type { Client } from '@temporalio/client';

let pool: Pool;
const running: Running[] = [];
beforeAll(() => {
  pool = createPool(process.env.DATABASE_URL!, 4);
});
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.stop();
});
afterAll(() => pool.end());

/** Quick retries, so a test sees several attempts within a second or two. */
const QUICK = { firstMs: 100, maxMs: 200, maxAttempts: 100 };

function sender(smtpUrl: string, retry: Partial<typeof QUICK> = QUICK): Running {
  const started = startMailSender({ pool, smtpUrl, addressing: DEFAULT_ADDRESSING, retry, pollMs: 50 });
  running.push(started);
  return started;
}

async function sink(port = 0) {
  const started = await startMailSink({ pool, port });
  running.push(started);
  return started;
}

/** An SMTP server that refuses every recipient with `code` (451: later; 550: never). */
async function refusingServer(port: number, code: number): Promise<Running> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    closeTimeout: 500,
    onRcptTo: (_address, _session, done) => done(Object.assign(new Error('not now'), { responseCode: code })),
  });
  await new Promise<void>((listening) => server.listen(port, '127.0.0.1', () => listening()));
  const stop = () => new Promise<void>((closed) => server.close(() => closed()));
  running.push({ stop });
  return { stop };
}

/** An order in the read model, as the orders service would have written it. */
async function order(customerId: string): Promise<string> {
  const orderId = uid('mail');
  await pool.query(
    `INSERT INTO orders (order_id, customer_id, status, currency, subtotal_cents, shipping_cents, total_cents)
     VALUES ($1, $2, 'Shipped', 'USD', 1000, 0, 1000)`,
    [orderId, customerId],
  );
  return orderId;
}

/** The notifications consumer's part: an order event handled, its rows written. */
function notify(orderId: string, type: OrderEventType, payload: Record<string, unknown> = {}) {
  const event: OrderEventMessage = { eventId: uid('ev'), type, orderId, occurredAt: new Date().toISOString(), payload };
  return notifyFor(pool, event, { mailed: true });
}

async function mailRows(orderId: string) {
  const { rows } = await pool.query<{
    recipient: string;
    mail_status: string;
    mail_attempts: number;
    mail_error: string | null;
  }>('SELECT recipient, mail_status, mail_attempts, mail_error FROM notifications WHERE order_id = $1 ORDER BY id', [
    orderId,
  ]);
  return rows;
}

/** Polls until the order's rows satisfy `ok`; answers them. */
function rowsWhen(orderId: string, ok: (rows: Awaited<ReturnType<typeof mailRows>>) => boolean) {
  return eventually(async () => {
    const rows = await mailRows(orderId);
    return rows.length > 0 && ok(rows) ? rows : undefined;
  }, 20_000);
}

test('each notification is mailed to its recipient and lands in the sink once; its row says sent', async () => {
  const { url } = await sink();
  // As a worker runs it: beside the notifications consumer (here without a broker: the rows are written below).
  const names = brokerNames(uid('mail'));
  const mail = { smtpUrl: url, addressing: DEFAULT_ADDRESSING, retry: QUICK, pollMs: 50 };
  running.push(await startEventProcessors({ pool, names, parts: ['notifications'], relayPollMs: 50, mail }));
  const orderId = await order('c-1042');
  await notify(orderId, 'OrderShipped');
  await notify(orderId, 'OrderAwaitingApproval', { approvers: ['alice', 'bob'] });

  await rowsWhen(orderId, (rows) => rows.every((r) => r.mail_status === 'sent'));
  const mailbox = await listMailbox(pool, { orderId, limit: 10 });
  expect(mailbox.map((m) => [m.to, m.subject]).sort()).toEqual([
    [['alice@staff.example'], `Order ${orderId} needs your approval`],
    [['bob@staff.example'], `Order ${orderId} needs your approval`],
    [['customer-c-1042@customers.example'], `Order ${orderId} is on its way`],
  ]);
  expect(mailbox.every((m) => m.from === 'orders@shop.example' && m.text?.includes(`Order ${orderId}.`))).toBe(true);
  expect((await mailRows(orderId)).map((r) => r.mail_attempts)).toEqual([1, 1, 1]);

  // What the CLI shows: each row's mail state, and the mail as its recipient reads it.
  const rows = await runCli(['notifications', '--order', orderId], process.env);
  expect(rows.stdout.match(/ sent 20\d\d-/g)).toHaveLength(3);
  const read = await runCli(['mailbox', '--order', orderId, '--text'], process.env);
  expect(read.code).toBe(0);
  expect(read.stdout).toContain(`to customer-c-1042@customers.example\nSubject: Order ${orderId} is on its way\n`);
});

test('a sink away, then refusing for a while: the order side is untouched, and the mail lands once it is back', async () => {
  const port = await freePort();
  sender(`smtp://127.0.0.1:${port}`);
  const orderId = await order('c-7');
  // Writing the notification never waits for mail: no SMTP server is even listening.
  expect(await notify(orderId, 'OrderDelivered')).toBe(1);
  const away = await rowsWhen(orderId, ([r]) => r!.mail_attempts >= 2);
  expect(away[0]).toMatchObject({ mail_status: 'pending', mail_error: expect.stringMatching(/ECONNREFUSED/) });

  const refusing = await refusingServer(port, 451);
  const refused = await rowsWhen(orderId, ([r]) => /451/.test(r!.mail_error ?? ''));
  expect(refused[0]!.mail_status).toBe('pending');
  await refusing.stop();

  await sink(port);
  const [sent] = await rowsWhen(orderId, ([r]) => r!.mail_status === 'sent');
  expect(sent!.mail_attempts).toBeGreaterThanOrEqual(3);
  const mailbox = await listMailbox(pool, { orderId, limit: 10 });
  expect(mailbox.map((m) => [m.to, m.subject])).toEqual([
    [['customer-c-7@customers.example'], `Order ${orderId} was delivered`],
  ]);
});

test('a refusal for good, no address, or the last attempt spent: the row is failed and says why', async () => {
  const port = await freePort();
  await refusingServer(port, 550);
  const first = sender(`smtp://127.0.0.1:${port}`, { ...QUICK, maxAttempts: 3 });
  const refused = await order('c-9');
  await notify(refused, 'OrderShipped');
  const nobody = uid('no-order'); // no order row: no customer, so no address
  await notify(nobody, 'OrderCancelled');
  const [r1] = await rowsWhen(refused, ([r]) => r!.mail_status === 'failed');
  expect(r1).toMatchObject({ mail_attempts: 1, mail_error: expect.stringMatching(/550/) });
  const [r2] = await rowsWhen(nobody, ([r]) => r!.mail_status === 'failed');
  expect(r2).toMatchObject({ mail_attempts: 1, mail_error: 'no address for recipient customer' });

  await first.stop();
  sender(`smtp://127.0.0.1:${await freePort()}`, { ...QUICK, maxAttempts: 3 }); // nothing listens there
  const away = await order('c-10');
  await notify(away, 'OrderRefunded');
  const [r3] = await rowsWhen(away, ([r]) => r!.mail_status === 'failed');
  expect(r3!.mail_attempts).toBe(3);
});

test('the sink reads what a mail client would show, and keeps a message sent twice once', async () => {
  const orderId = uid('o');
  const raw = await new MailComposer({
    from: 'orders@shop.example',
    to: 'customer-1@customers.example',
    subject: 'Commande 42 expédiée — merci',
    text: `Étiquette de retour : https://labels.example/r/42 ${'x'.repeat(100)}`,
    messageId: `<${uid('n')}@shop.example>`,
    headers: { 'X-Order-Id': orderId },
  })
    .compile()
    .build();
  expect(parseMail(raw)).toEqual({
    messageId: expect.stringMatching(/^<n-.*@shop\.example>$/),
    subject: 'Commande 42 expédiée — merci',
    orderId,
    text: `Étiquette de retour : https://labels.example/r/42 ${'x'.repeat(100)}`,
  });

  // A sender that died before it recorded a send sends again under the same Message-ID.
  const again = { mailFrom: 'orders@shop.example', rcptTo: ['customer-1@customers.example'], raw };
  expect([await storeReceived(pool, again), await storeReceived(pool, again)]).toEqual([true, false]);
  expect(await listMailbox(pool, { orderId, limit: 10 })).toHaveLength(1);
});

test("the console's mailbox page shows operators what was mailed; other roles are refused", async () => {
  const { url } = await sink();
  sender(url);
  const orderId = await order('c-55');
  await notify(orderId, 'OrderShipped');
  await rowsWhen(orderId, ([r]) => r!.mail_status === 'sent');
  // Only the console's pages and sessions are used: no Temporal client is needed.
  const api = await buildApi({
    client: {} as Client,
    pool,
    vault: testVault(),
    settings: testSettings(),
    maxInFlight: 0,
    signing: runSigningKey(),
  });
  try {
    const as = async (role: 'operator' | 'approver') => {
      const token = await sessionToken(pool, uid(role), role);
      return api.inject({ method: 'GET', url: `/console/mailbox?order=${orderId}`, cookies: { dos_session: token } });
    };
    const page = await as('operator');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<a href="/console/mailbox">Mailbox</a>');
    expect(page.body).toContain(`<h2>Order ${orderId} is on its way</h2>`);
    expect(page.body).toContain('to customer-c-55@customers.example');
    expect((await as('approver')).statusCode).toBe(403);
  } finally {
    await api.close();
  }
});
