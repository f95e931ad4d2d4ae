/**
 * What a notification row becomes as an e-mail, and to whom. PostgreSQL keeps no customer's
 * address or name (docs/security.md), so addresses are made from templates: the order's customer
 * id for a customer, the staff user's name for an approver. A deployment points them at whatever
 * resolves ids to people (its mail relay's aliases, a customer service's address book); the
 * defaults are `.example` domains that reach no one.
 */
import type { SendMailOptions } from 'nodemailer';

export interface MailAddressing {
  from: string;
  /** `{customerId}` becomes the order's customer id (MAIL_CUSTOMER_ADDRESS). */
  customerAddress: string;
  /** `{name}` becomes the approver's staff user name (MAIL_STAFF_ADDRESS). */
  staffAddress: string;
}

export const DEFAULT_ADDRESSING: MailAddressing = {
  from: 'Orders <orders@shop.example>',
  customerAddress: 'customer-{customerId}@customers.example',
  staffAddress: '{name}@staff.example',
};

/** A notification row on its way out, with the order's customer (null when the order has no row). */
export interface OutgoingNotification {
  id: number;
  orderId: string;
  kind: string;
  recipient: string;
  subject: string;
  body: string | null;
  customerId: string | null;
}

/** A bare address: no display name, no list, nothing a template's input could smuggle in. */
const ADDRESS = /^[A-Za-z0-9._+-]+@[A-Za-z0-9.-]+$/;

/** Where the row goes, or undefined when it has nowhere to go (no customer on record, an odd name). */
export function addressOf(n: OutgoingNotification, addressing: MailAddressing): string | undefined {
  const approver = /^approver:(.+)$/.exec(n.recipient)?.[1];
  const address =
    n.recipient === 'customer' && n.customerId
      ? addressing.customerAddress.replaceAll('{customerId}', n.customerId)
      : approver
        ? addressing.staffAddress.replaceAll('{name}', approver)
        : undefined;
  return address && ADDRESS.test(address) ? address : undefined;
}

/** The sender's domain, for Message-IDs. */
function domainOf(from: string): string {
  return /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1] ?? 'durable-orders.invalid';
}

function textOf(n: OutgoingNotification): string {
  const says = n.body ?? `${n.subject}.`;
  return `${says}\n\nOrder ${n.orderId}. This message comes from the shop's order system; replies are not read.\n`;
}

/**
 * The mail for one row. Its Message-ID is the row's: a send repeated after a crash (the server took
 * the mail, the row was not yet marked) carries the same id, so a mailbox can keep it once.
 */
export function mailOf(n: OutgoingNotification, to: string, addressing: MailAddressing): SendMailOptions {
  return {
    from: addressing.from,
    to,
    subject: n.subject,
    text: textOf(n),
    messageId: `<notification-${n.id}@${domainOf(addressing.from)}>`,
    headers: { 'X-Order-Id': n.orderId, 'X-Notification-Kind': n.kind },
  };
}
