/**
 * Events that leave the system (the outbox, relayed to the broker's `orders.events` exchange) and
 * who hears about each. Pure: the relay, the notifications consumer and the CLI share it.
 */

/** Outbox event types, one row each per order (key `<orderId>:<type>`); the routing key on the broker. */
export const ORDER_EVENTS = {
  OrderPlaced: 'OrderPlaced',
  InventoryReserved: 'InventoryReserved',
  OrderAwaitingApproval: 'OrderAwaitingApproval',
  ApprovalReminder: 'ApprovalReminder',
  PaymentCaptured: 'PaymentCaptured',
  PaymentFailed: 'PaymentFailed',
  OrderShipped: 'OrderShipped',
  OrderDelivered: 'OrderDelivered',
  OrderCancelled: 'OrderCancelled',
  OrderRefunded: 'OrderRefunded',
  PaymentRefunded: 'PaymentRefunded',
  /** Returns (one each per return: key `<orderId>:<type>:<rmaId>`). The label travels with ReturnRequested. */
  ReturnRequested: 'ReturnRequested',
  ReturnReceived: 'ReturnReceived',
  ReturnRefunded: 'ReturnRefunded',
  ReturnExpired: 'ReturnExpired',
  /** Goodwill refunds (key `<orderId>:<type>:<refundId>`): one asks its approvers, one tells the customer. */
  RefundAwaitingApproval: 'RefundAwaitingApproval',
  GoodwillRefunded: 'GoodwillRefunded',
} as const;
export type OrderEventType = (typeof ORDER_EVENTS)[keyof typeof ORDER_EVENTS];
export const ORDER_EVENT_TYPES = Object.values(ORDER_EVENTS) as readonly OrderEventType[];

/** An outbox row as it travels: `eventId` is the outbox id (the AMQP message id consumers dedup by). */
export interface OrderEventMessage {
  eventId: string;
  type: OrderEventType;
  orderId: string;
  occurredAt: string;
  payload: Record<string, unknown>;
}

export type NotificationKind =
  | 'order-confirmation'
  | 'approval-request'
  | 'approval-reminder'
  | 'shipped'
  | 'delivered'
  | 'cancelled'
  | 'refunded'
  | 'return-label'
  | 'return-received'
  | 'return-refunded'
  | 'return-expired';

export interface Notification {
  kind: NotificationKind;
  /** `customer` (the order's customer; the mailbox keeps no address) or `approver:<name>`. */
  recipient: string;
  subject: string;
  /** The message's text when it says more than its subject (a link, a label); mailed as is. */
  body?: string;
}

const CUSTOMER_NOTICES: Partial<Record<OrderEventType, { kind: NotificationKind; subject: (id: string) => string }>> = {
  OrderPlaced: { kind: 'order-confirmation', subject: (id) => `We have your order ${id}` },
  OrderShipped: { kind: 'shipped', subject: (id) => `Order ${id} is on its way` },
  OrderDelivered: { kind: 'delivered', subject: (id) => `Order ${id} was delivered` },
  OrderCancelled: { kind: 'cancelled', subject: (id) => `Order ${id} was cancelled` },
  OrderRefunded: { kind: 'refunded', subject: (id) => `Order ${id} was refunded` },
  ReturnRequested: { kind: 'return-label', subject: (id) => `Your return label for order ${id}` },
  ReturnReceived: { kind: 'return-received', subject: (id) => `We received your return for order ${id}` },
  ReturnRefunded: { kind: 'return-refunded', subject: (id) => `Your return for order ${id} is settled` },
  ReturnExpired: { kind: 'return-expired', subject: (id) => `Your return for order ${id} expired` },
  GoodwillRefunded: { kind: 'refunded', subject: (id) => `Part of order ${id} was refunded` },
};

function approversOf(payload: Record<string, unknown>): string[] {
  const list = payload.approvers;
  return Array.isArray(list) ? list.filter((a): a is string => typeof a === 'string' && a.trim() !== '') : [];
}

/** What a customer's message says beyond its subject: the return label, and until when the parcel may come. */
function bodyOf(event: OrderEventMessage): string | undefined {
  const { label, parcelDueAt, rmaId } = event.payload;
  if (event.type !== 'ReturnRequested' || typeof label !== 'string') return undefined;
  const due = typeof parcelDueAt === 'string' ? ` It must reach us by ${parcelDueAt}.` : '';
  return `Your return ${typeof rmaId === 'string' ? rmaId : ''} of order ${event.orderId}: print the label ${label} and stick it on the parcel.${due}`;
}

/**
 * What the notifications consumer sends for an event: nothing for internal events (inventory,
 * payments), one message to the customer, or one to each approver the order named.
 */
export function notificationsFor(event: OrderEventMessage): Notification[] {
  const notice = CUSTOMER_NOTICES[event.type];
  if (notice) {
    const body = bodyOf(event);
    return [
      { kind: notice.kind, recipient: 'customer', subject: notice.subject(event.orderId), ...(body ? { body } : {}) },
    ];
  }
  if (event.type === 'RefundAwaitingApproval')
    return approversOf(event.payload).map((name) => ({
      kind: 'approval-request',
      recipient: `approver:${name}`,
      subject: `A refund of order ${event.orderId} needs your approval`,
    }));
  if (event.type === 'OrderAwaitingApproval' || event.type === 'ApprovalReminder') {
    const reminder = event.type === 'ApprovalReminder';
    return approversOf(event.payload).map((name) => ({
      kind: reminder ? 'approval-reminder' : 'approval-request',
      recipient: `approver:${name}`,
      subject: `${reminder ? 'Reminder: order' : 'Order'} ${event.orderId} needs your approval`,
    }));
  }
  return [];
}

/** Broker names, prefixed per deployment (TASK_QUEUE_PREFIX) like task queues, so deployments and tests do not share them. */
export function brokerNames(prefix = '') {
  return {
    /** Topic exchange the relay publishes order events to; routing key = event type. */
    orderEvents: `${prefix}orders.events`,
    /** The notifications consumer's queue, bound to every order event. */
    notifications: `${prefix}notifications`,
    /** Inbound carrier status updates. */
    carrierEvents: `${prefix}carrier.events`,
    /** Where consumers put what they cannot handle (header x-reason says why). */
    deadLetter: `${prefix}orders.dead-letter`,
  };
}
export type BrokerNames = ReturnType<typeof brokerNames>;
