import { randomBytes, randomUUID } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../../db/pool';
import { ERROR_TYPES } from '../../domain';
import type {
  AuthorizeRequest,
  AuthorizeResult,
  OperationResult,
  PaymentOperation,
  PaymentProvider,
  ProviderRecord,
  VoidResult,
} from '../payments';

/**
 * The sandbox payment provider: a stand-in for a card processor, for development and tests. Its
 * memory is its own table, `sandbox_payments` (migrations/0003), apart from our ledger, so the
 * activities meet it as they would a real processor: by idempotency key, with answers that can be
 * lost. A repeated key answers what was recorded.
 *
 * Test tokens (authorize):
 * - `tok_ok`       approved.
 * - `tok_declined` declined (the decline is recorded; the same key keeps answering "declined").
 * - `tok_flaky`    approved and recorded, then the answer is "lost": throws a retryable
 *                  ApplicationFailure of type ProviderTimeout. The retry, with the same key,
 *                  gets the recorded authorization: exactly one authorization exists.
 * - `tok_slow`     approved; the authorization and later its capture are decided (committed) at
 *                  once and answered only after `slowMs`: a cancellation can land mid-authorize or
 *                  mid-capture while the money already moved at the provider.
 * - any other token: approved (the sandbox accepts every token it does not treat specially).
 * Capture and void of one authorization serialise on its row: a capture of a voided authorization
 * is refused (AuthorizationVoided), a void of a captured one answers "captured". Refund succeeds.
 *
 * Tokens reach the provider only through its vault: `savePaymentMethod` (called when an order is
 * placed, through the sandbox payments API) stores the token in `sandbox_payment_methods` and
 * answers a `pm_…` reference; `authorize` takes that reference and looks the token up. Only the
 * vault holds tokens; they are never logged.
 */
/** ApplicationFailure type for "the provider's answer was lost": retryable, the retry reuses the key. */
export const PROVIDER_TIMEOUT = 'ProviderTimeout';

export const SANDBOX_TOKENS = { ok: 'tok_ok', declined: 'tok_declined', flaky: 'tok_flaky', slow: 'tok_slow' } as const;

export interface SandboxOptions {
  /** How long tok_slow answers take (SANDBOX_PAYMENT_DELAY_MS). */
  slowMs?: number;
}

interface Row {
  order_id: string;
  status: 'approved' | 'declined';
  amount_cents: string;
  currency: string;
  provider_ref: string | null;
  expires_at: Date | null;
  slow: boolean;
  voided_at: Date | null;
  captured_at: Date | null;
}

const COLUMNS = 'order_id, status, amount_cents, currency, provider_ref, expires_at, slow, voided_at, captured_at';

function toRecord(r: Row): ProviderRecord {
  return {
    status: r.status,
    amountCents: Number(r.amount_cents),
    currency: r.currency,
    providerRef: r.provider_ref,
    expiresAt: r.expires_at,
  };
}

function answer(row: Row): OperationResult {
  if (!row.provider_ref) throw new Error('sandbox: approved operation without a reference');
  return { providerRef: row.provider_ref };
}

/** Waits `ms`, heartbeating when inside an activity so a long delay is not taken for a dead worker. */
async function slowAnswer(ms: number): Promise<void> {
  let ctx: Context | undefined;
  try {
    ctx = Context.current();
  } catch {
    ctx = undefined; // called directly, outside an activity
  }
  for (let waited = 0; waited < ms; waited += 500) {
    const slice = Math.min(500, ms - waited);
    if (ctx) {
      ctx.heartbeat();
      await ctx.sleep(slice);
    } else await new Promise((r) => setTimeout(r, slice));
  }
}

/** The provider's answer to an unknown payment-method reference: a decline that no retry changes. */
function unknownPaymentMethod(): ApplicationFailure {
  return ApplicationFailure.nonRetryable('sandbox: unknown payment method', ERROR_TYPES.PaymentDeclined);
}

export function createSandboxPaymentProvider(pool: Pool, opts: SandboxOptions = {}): PaymentProvider {
  const slowMs = opts.slowMs ?? 3_000;

  /** Records the outcome under the key unless one is there; answers the recorded row and whether it is new. */
  async function record(
    db: Pool | PoolClient,
    op: PaymentOperation,
    key: string,
    o: { orderId: string; status: 'approved' | 'declined'; amountCents: number; currency: string },
    extra: { windowMs?: number; slow?: boolean } = {},
  ): Promise<{ row: Row; created: boolean }> {
    const ref = o.status === 'approved' ? `sbx_${op}_${randomUUID()}` : null;
    const inserted = await db.query<Row>(
      `INSERT INTO sandbox_payments (idempotency_key, order_id, operation, status, amount_cents, currency, provider_ref, expires_at, slow)
       VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $8::double precision IS NULL THEN NULL
                                                ELSE now() + make_interval(secs => $8::double precision / 1000) END, $9)
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING ${COLUMNS}`,
      [key, o.orderId, op, o.status, o.amountCents, o.currency, ref, extra.windowMs ?? null, extra.slow ?? false],
    );
    if (inserted.rows[0]) return { row: inserted.rows[0], created: true };
    const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM sandbox_payments WHERE idempotency_key = $1`, [key]);
    if (!rows[0]) throw new Error(`sandbox: record ${key} vanished`);
    return { row: rows[0], created: false };
  }

  /** The authorization behind `authorizationId`, locked until the transaction ends. */
  async function lockAuthorization(db: PoolClient, authorizationId: string): Promise<Row> {
    const { rows } = await db.query<Row>(
      `SELECT ${COLUMNS} FROM sandbox_payments WHERE provider_ref = $1 AND operation = 'authorize' FOR UPDATE`,
      [authorizationId],
    );
    if (!rows[0])
      throw ApplicationFailure.nonRetryable('sandbox: unknown authorization', ERROR_TYPES.IllegalTransition);
    return rows[0];
  }

  /** The token behind a payment-method reference (the vault's lookup). */
  async function tokenOf(paymentMethodId: string): Promise<string> {
    const { rows } = await pool.query<{ token: string }>('SELECT token FROM sandbox_payment_methods WHERE id = $1', [
      paymentMethodId,
    ]);
    if (!rows[0]) throw unknownPaymentMethod();
    return rows[0].token;
  }

  return {
    async savePaymentMethod({ token, idempotencyKey }) {
      const id = `pm_${randomBytes(12).toString('hex')}`;
      await pool.query(
        `INSERT INTO sandbox_payment_methods (id, idempotency_key, token) VALUES ($1, $2, $3)
         ON CONFLICT (idempotency_key) DO NOTHING`,
        [id, idempotencyKey, token],
      );
      // A repeated key answers the reference it got the first time; with another card it is refused,
      // as real providers refuse a key reused with other parameters.
      const { rows } = await pool.query<{ id: string; token: string }>(
        'SELECT id, token FROM sandbox_payment_methods WHERE idempotency_key = $1',
        [idempotencyKey],
      );
      if (!rows[0]) throw new Error(`sandbox: payment method ${idempotencyKey} vanished`);
      if (rows[0].token !== token)
        throw ApplicationFailure.nonRetryable(
          `idempotency key ${idempotencyKey} was used with another card`,
          ERROR_TYPES.InvalidInput,
        );
      return { paymentMethodId: rows[0].id };
    },

    async authorize(req: AuthorizeRequest): Promise<AuthorizeResult> {
      const token = await tokenOf(req.paymentMethodId);
      const declined = token === SANDBOX_TOKENS.declined;
      const { row, created } = await record(
        pool,
        'authorize',
        req.idempotencyKey,
        {
          orderId: req.orderId,
          status: declined ? 'declined' : 'approved',
          amountCents: req.amountCents,
          currency: req.currency,
        },
        { windowMs: req.windowMs, slow: token === SANDBOX_TOKENS.slow },
      );
      if (created && token === SANDBOX_TOKENS.flaky) {
        // The authorization exists (committed above); only the answer goes missing.
        throw ApplicationFailure.retryable(
          'sandbox payment provider: request timed out (answer lost)',
          PROVIDER_TIMEOUT,
        );
      }
      if (row.slow) await slowAnswer(slowMs); // decided already; the answer is what is slow
      if (row.status === 'declined') return { status: 'declined' };
      return { status: 'approved', authorizationId: answer(row).providerRef, expiresAt: row.expires_at };
    },

    async capture(req) {
      const { row, slow } = await inTransaction(pool, async (db) => {
        const auth = await lockAuthorization(db, req.authorizationId);
        if (auth.voided_at)
          throw ApplicationFailure.nonRetryable(
            `sandbox: the authorization of order ${req.orderId} was voided`,
            ERROR_TYPES.AuthorizationVoided,
          );
        const captured = await record(db, 'capture', req.idempotencyKey, {
          orderId: req.orderId,
          status: 'approved',
          amountCents: req.amountCents,
          currency: req.currency,
        });
        await db.query(
          `UPDATE sandbox_payments SET captured_at = COALESCE(captured_at, now()) WHERE provider_ref = $1`,
          [req.authorizationId],
        );
        return { row: captured.row, slow: auth.slow };
      });
      if (slow) await slowAnswer(slowMs);
      return answer(row);
    },

    async void(req): Promise<VoidResult> {
      return inTransaction(pool, async (db) => {
        const auth = await lockAuthorization(db, req.authorizationId);
        if (auth.captured_at) return { captured: true };
        const { row } = await record(db, 'void', req.idempotencyKey, {
          orderId: req.orderId,
          status: 'approved',
          amountCents: req.amountCents,
          currency: req.currency,
        });
        await db.query(`UPDATE sandbox_payments SET voided_at = COALESCE(voided_at, now()) WHERE provider_ref = $1`, [
          req.authorizationId,
        ]);
        return answer(row);
      });
    },

    /** Partial refunds add up to at most the capture, as at real providers; a repeated key answers the first. */
    async refund(req) {
      return inTransaction(pool, async (db) => {
        const { rows } = await db.query<Row>(
          `SELECT ${COLUMNS} FROM sandbox_payments WHERE provider_ref = $1 AND operation = 'capture' FOR UPDATE`,
          [req.captureId],
        );
        const capture = rows[0];
        if (!capture) throw ApplicationFailure.nonRetryable('sandbox: unknown capture', ERROR_TYPES.IllegalTransition);
        const { rows: done } = await db.query<{ key: string; refunded: string }>(
          `SELECT idempotency_key AS key, amount_cents AS refunded FROM sandbox_payments
           WHERE order_id = $1 AND operation = 'refund'`,
          [capture.order_id],
        );
        const again = done.some((r) => r.key === req.idempotencyKey);
        const left = Number(capture.amount_cents) - done.reduce((sum, r) => sum + Number(r.refunded), 0);
        if (!again && req.amountCents > left)
          throw ApplicationFailure.nonRetryable(
            `sandbox: refund of ${req.amountCents} exceeds the ${left} left of the capture`,
            ERROR_TYPES.RefundExceedsCapture,
          );
        const { row } = await record(db, 'refund', req.idempotencyKey, {
          orderId: req.orderId,
          status: 'approved',
          amountCents: req.amountCents,
          currency: req.currency,
        });
        return answer(row);
      });
    },

    async find(idempotencyKey) {
      const { rows } = await pool.query<Row>(`SELECT ${COLUMNS} FROM sandbox_payments WHERE idempotency_key = $1`, [
        idempotencyKey,
      ]);
      return rows[0] && toRecord(rows[0]);
    },
  };
}
