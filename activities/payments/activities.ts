import { ApplicationFailure } from '@temporalio/activity';
import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../../src/db/pool';
import { ERROR_TYPES, type PaymentActivities } from '../../src/domain';
import { compensations } from '../../src/runtime/metrics';
import { reportCaptured, reportRefund } from '../orders/store/read-model';
import { PAYMENT_METHOD_ID, type PaymentOperation, type PaymentProvider } from '../../src/providers/payments';
import { createSandboxPaymentProvider } from '../../src/providers/sandbox/payments';

// ---------------------------------------------------------------------------------------------
// The ledger: payment_operations, one row per (order, operation). The activities record every
// provider outcome there. When an answer was lost (a timeout after the provider acted), the
// ledger lacks a row the provider has: compensations look the provider up by key and record it.
// ---------------------------------------------------------------------------------------------

interface OperationRow {
  status: 'approved' | 'declined';
  amount_cents: string;
  currency: string;
  provider_ref: string | null;
  expires_at: Date | null;
  expired: boolean;
}
interface Operation {
  status: 'approved' | 'declined';
  amountCents: number;
  currency: string;
  providerRef: string | null;
  expiresAt: Date | null;
  expired: boolean;
}

/** `<orderId>:<operation>`, or `<orderId>:refund:<part>` for a partial refund. */
const keyOf = (orderId: string, op: PaymentOperation, part?: string) =>
  part === undefined ? `${orderId}:${op}` : `${orderId}:${op}:${part}`;

/** A partial refund's name: what it gives back for (`undelivered`, a return's id, ...). */
const PART = /^[\w.-]{1,64}$/;

async function findOperation(
  db: Pool | PoolClient,
  orderId: string,
  op: PaymentOperation,
  part?: string,
): Promise<Operation | undefined> {
  const { rows } = await db.query<OperationRow>(
    `SELECT status, amount_cents, currency, provider_ref, expires_at, (expires_at IS NOT NULL AND expires_at <= now()) AS expired
     FROM payment_operations WHERE idempotency_key = $1`,
    [keyOf(orderId, op, part)],
  );
  const r = rows[0];
  return (
    r && {
      status: r.status,
      amountCents: Number(r.amount_cents),
      currency: r.currency,
      providerRef: r.provider_ref,
      expiresAt: r.expires_at,
      expired: r.expired,
    }
  );
}

async function recordOperation(
  db: Pool | PoolClient,
  orderId: string,
  op: PaymentOperation,
  o: {
    status: 'approved' | 'declined';
    amountCents: number;
    currency: string;
    providerRef: string | null;
    expiresAt?: Date | null;
  },
  part?: string,
): Promise<Operation> {
  const key = keyOf(orderId, op, part);
  await db.query(
    `INSERT INTO payment_operations (order_id, operation, idempotency_key, status, amount_cents, currency, provider_ref, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (idempotency_key) DO NOTHING`,
    [orderId, op, key, o.status, o.amountCents, o.currency, o.providerRef, o.expiresAt ?? null],
  );
  const stored = await findOperation(db, orderId, op, part);
  if (!stored) throw new Error(`payment ledger row ${key} missing after insert`);
  return stored;
}

/** What the order's refunds other than the one under `key` gave back so far. */
async function refundedExcept(db: Pool | PoolClient, orderId: string, key: string): Promise<number> {
  const { rows } = await db.query<{ cents: string }>(
    `SELECT COALESCE(sum(amount_cents), 0) AS cents FROM payment_operations
     WHERE order_id = $1 AND operation = 'refund' AND status = 'approved' AND idempotency_key <> $2`,
    [orderId, key],
  );
  return Number(rows[0]!.cents);
}

/** The reference a free order's steps answer: the provider was not asked, no money moved. */
const NO_CHARGE = 'no-charge';

/** A ledger row of a free order's step: approved, zero, and no provider reference. */
function isNoCharge(o: Operation): boolean {
  return o.status === 'approved' && o.amountCents === 0 && o.providerRef === null;
}

function recordNoCharge(db: Pool, orderId: string, op: 'authorize' | 'capture', currency: string): Promise<Operation> {
  return recordOperation(db, orderId, op, { status: 'approved', amountCents: 0, currency, providerRef: null });
}

function declined(orderId: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`card declined for order ${orderId}`, ERROR_TYPES.PaymentDeclined);
}

function invalid(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, ERROR_TYPES.InvalidInput);
}

function checkCents(amountCents: number): void {
  if (!Number.isSafeInteger(amountCents) || amountCents < 0)
    throw invalid(`amountCents must be a non-negative integer, got ${amountCents}`);
}

function checkAmount(amountCents: number, currency: string): void {
  checkCents(amountCents);
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency))
    throw invalid(`currency must be an ISO 4217 code, got ${JSON.stringify(currency)}`);
}

export function createPaymentActivities(
  pool: Pool,
  provider: PaymentProvider = createSandboxPaymentProvider(pool),
): PaymentActivities {
  /** Our ledger's row, or else the provider's record under the same key (recorded in the ledger). */
  async function known(orderId: string, op: PaymentOperation, part?: string): Promise<Operation | undefined> {
    const local = await findOperation(pool, orderId, op, part);
    if (local) return local;
    const remote = await provider.find(keyOf(orderId, op, part));
    return remote && recordOperation(pool, orderId, op, remote, part);
  }

  /**
   * Refunds `amountCents` of the order's capture under the key of `part` (undefined: the rest),
   * once; then records the PaymentRefunded event. Answers the refund's amount.
   */
  async function refundOnce(orderId: string, amountCents: number, part?: string): Promise<number> {
    const capture = await known(orderId, 'capture');
    if (!capture || capture.status !== 'approved' || !capture.providerRef) return 0;
    // A lost answer is found at the provider by key; a refund already made is never made again.
    if (!(await known(orderId, 'refund', part))) {
      if (amountCents === 0) return 0;
      const left = capture.amountCents - (await refundedExcept(pool, orderId, keyOf(orderId, 'refund', part)));
      if (amountCents > left)
        throw ApplicationFailure.nonRetryable(
          `refund of ${amountCents} for order ${orderId} exceeds the ${left} left of its capture`,
          ERROR_TYPES.RefundExceedsCapture,
        );
      const result = await provider.refund({
        idempotencyKey: keyOf(orderId, 'refund', part),
        orderId,
        captureId: capture.providerRef,
        amountCents,
        currency: capture.currency,
      });
      await recordOperation(
        pool,
        orderId,
        'refund',
        { status: 'approved', amountCents, currency: capture.currency, providerRef: result.providerRef },
        part,
      );
      compensations.inc({ step: part === undefined ? 'refund payment' : 'refund part' });
    }
    return inTransaction(pool, async (db) => {
      const refund = await findOperation(db, orderId, 'refund', part);
      if (!refund) throw new Error(`refund ${keyOf(orderId, 'refund', part)} not in the ledger`);
      await reportRefund(db, orderId, refund, part);
      return refund.amountCents;
    });
  }

  /** An authorization at the provider under the key of `part` (undefined: the order's first), recorded. */
  async function authorizeOnce(
    orderId: string,
    req: { amountCents: number; currency: string; paymentMethodId: string; windowMs: number },
    part?: string,
  ): Promise<Operation> {
    const lost = part === undefined ? undefined : await known(orderId, 'authorize', part);
    if (lost) return lost;
    const result = await provider.authorize({ idempotencyKey: keyOf(orderId, 'authorize', part), orderId, ...req });
    const { amountCents, currency } = req;
    return recordOperation(
      pool,
      orderId,
      'authorize',
      result.status === 'approved'
        ? {
            status: 'approved',
            amountCents,
            currency,
            providerRef: result.authorizationId,
            expiresAt: result.expiresAt ?? new Date(Date.now() + req.windowMs),
          }
        : { status: 'declined', amountCents, currency, providerRef: null },
      part,
    );
  }

  /** The order's newest authorization (a renewal, else the first; the provider's if our ledger missed it). */
  async function currentAuthorization(orderId: string): Promise<{ auth?: Operation; count: number }> {
    const { rows } = await pool.query<{ key: string; n: number }>(
      `SELECT idempotency_key AS key, count(*) OVER ()::int AS n FROM payment_operations
       WHERE order_id = $1 AND operation = 'authorize' ORDER BY id DESC LIMIT 1`,
      [orderId],
    );
    if (!rows[0]) {
      const auth = await known(orderId, 'authorize');
      return { auth, count: auth ? 1 : 0 };
    }
    const part = rows[0].key.slice(keyOf(orderId, 'authorize').length + 1) || undefined;
    return { auth: await findOperation(pool, orderId, 'authorize', part), count: rows[0].n };
  }

  /** The capture at the provider (a free order's: only a ledger row), after the checks of its authorization. */
  async function captureOnce(
    orderId: string,
    amountCents: number,
    currency: string,
    renewal?: { paymentMethodId: string; windowMs: number },
  ): Promise<Operation> {
    const current = await currentAuthorization(orderId);
    let auth = current.auth;
    // The window passed while the capture could not run (an outage): the card is asked again,
    // and only its refusal now is a decline.
    if (auth?.expired && auth.status === 'approved' && renewal) {
      auth = await authorizeOnce(orderId, { amountCents, currency, ...renewal }, `renewal-${current.count}`);
      if (auth.status === 'declined') throw declined(orderId);
    }
    if (auth && isNoCharge(auth) && amountCents === 0) return recordNoCharge(pool, orderId, 'capture', currency);
    if (!auth || auth.status !== 'approved' || !auth.providerRef) {
      throw ApplicationFailure.nonRetryable(
        `order ${orderId} has no approved authorization to capture`,
        ERROR_TYPES.IllegalTransition,
      );
    }
    if (auth.currency !== currency || amountCents > auth.amountCents) {
      throw invalid(
        `capture of ${amountCents} ${currency} exceeds the authorization of ${auth.amountCents} ${auth.currency}`,
      );
    }
    if (auth.expired) {
      throw ApplicationFailure.nonRetryable(
        `authorization for order ${orderId} expired at ${auth.expiresAt?.toISOString() ?? '?'}`,
        ERROR_TYPES.AuthorizationExpired,
      );
    }
    // A void that got there first is refused by the provider, under its lock (AuthorizationVoided).
    const result = await provider.capture({
      idempotencyKey: keyOf(orderId, 'capture'),
      orderId,
      authorizationId: auth.providerRef,
      amountCents,
      currency,
    });
    return recordOperation(pool, orderId, 'capture', {
      status: 'approved',
      amountCents,
      currency,
      providerRef: result.providerRef,
    });
  }

  return {
    async authorize({ orderId, amountCents, currency, paymentMethodId, windowMs }) {
      checkAmount(amountCents, currency);
      if (!Number.isFinite(windowMs) || windowMs <= 0) throw invalid(`windowMs must be positive, got ${windowMs}`);
      if (typeof paymentMethodId !== 'string' || !PAYMENT_METHOD_ID.test(paymentMethodId))
        throw invalid('paymentMethodId must be a payment-method reference (pm_…)');

      let auth = await findOperation(pool, orderId, 'authorize');
      // A free order: nothing to authorize, and providers refuse a zero amount. The ledger says so.
      if (!auth && amountCents === 0) auth = await recordNoCharge(pool, orderId, 'authorize', currency);
      auth ??= await authorizeOnce(orderId, { amountCents, currency, paymentMethodId, windowMs });
      if (isNoCharge(auth)) return { authorizationId: NO_CHARGE };
      if (auth.status === 'declined' || !auth.providerRef) throw declined(orderId);
      return { authorizationId: auth.providerRef };
    },

    async capture({ orderId, amountCents, currency, renewal }) {
      checkAmount(amountCents, currency);
      if (!(await known(orderId, 'capture'))) await captureOnce(orderId, amountCents, currency, renewal);
      // Runs on every attempt, so a crash between the provider and here is repaired by the retry.
      return inTransaction(pool, async (db) => {
        const capture = await findOperation(db, orderId, 'capture');
        if (!capture || (!capture.providerRef && !isNoCharge(capture)))
          throw new Error(`capture of ${orderId} not in the ledger`);
        await reportCaptured(db, orderId, capture);
        return { captureId: capture.providerRef ?? NO_CHARGE };
      });
    },

    async void({ orderId }) {
      const { auth } = await currentAuthorization(orderId);
      if (!auth || auth.status !== 'approved' || !auth.providerRef) return { voided: false }; // nothing authorized
      if (await findOperation(pool, orderId, 'void')) return { voided: true }; // a retry
      const result = await provider.void({
        idempotencyKey: keyOf(orderId, 'void'),
        orderId,
        authorizationId: auth.providerRef,
        amountCents: auth.amountCents,
        currency: auth.currency,
      });
      if ('captured' in result) {
        await known(orderId, 'capture'); // money taken (maybe an answer we lost): the ledger learns it
        return { voided: false }; // refund, not void
      }
      await recordOperation(pool, orderId, 'void', {
        status: 'approved',
        amountCents: auth.amountCents,
        currency: auth.currency,
        providerRef: result.providerRef,
      });
      compensations.inc({ step: 'void authorization' });
      return { voided: true };
    },

    async refund({ orderId }) {
      const capture = await known(orderId, 'capture');
      if (!capture || capture.status !== 'approved' || !capture.providerRef) return { refundedCents: 0 };
      const inParts = await refundedExcept(pool, orderId, keyOf(orderId, 'refund'));
      // What the parts left: a refund already made answers its own amount on a retry.
      const rest = await refundOnce(orderId, capture.amountCents - inParts);
      return { refundedCents: inParts + rest };
    },

    async refundPart({ orderId, part, amountCents }) {
      if (typeof part !== 'string' || !PART.test(part))
        throw invalid('part: must name the refund (1-64 letters, digits, "_", "." or "-")');
      checkCents(amountCents);
      return { refundedCents: await refundOnce(orderId, amountCents, part) };
    },
  };
}
