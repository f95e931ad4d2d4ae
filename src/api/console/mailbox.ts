/**
 * The console's mailbox page: what the sandbox mail sink received (`orders mailbox`), newest first,
 * each message with its text, for operators and admins checking what customers and approvers were
 * told. Only a development stack has a sink; elsewhere the page says the mailbox is empty.
 */
import type { Pool } from 'pg';
import type { StaffRole } from '../../domain';
import { listMailbox, type MailboxEntry } from '../../providers/sandbox/mailbox';
import { html } from './html';

export const READS_MAILBOX: readonly StaffRole[] = ['operator', 'admin'];

const shown = 50;

function message(m: MailboxEntry) {
  const order = m.orderId
    ? html` · order <a href="/console/orders/${encodeURIComponent(m.orderId)}">${m.orderId}</a>`
    : '';
  return html`<article>
    <h2>${m.subject}</h2>
    <p class="muted">${m.receivedAt.replace('T', ' ').slice(0, 19)} UTC · to ${m.to.join(', ')}${order}</p>
    <pre>${m.text ?? '(no plain text)'}</pre>
  </article>`;
}

export async function mailboxBody(pool: Pool, orderId: string | undefined) {
  const received = await listMailbox(pool, { orderId, limit: shown });
  if (received.length === 0)
    return html`<p>${orderId ? `No mail about order ${orderId}.` : 'The mailbox is empty.'}</p>`;
  return html`<p class="muted">
      The sandbox mail sink's mailbox, latest first (at most ${shown})${orderId ? html`, about order ${orderId}` : ''}.
    </p>
    ${received.map(message)}`;
}
