import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import type { Pool } from 'pg';
import type { AuthorizeRequest, AuthorizeResult, OperationResult, PaymentOperation, PaymentProvider } from './payments';

/**
 * The sandbox payment provider: a stand-in for a card processor, for development and tests.
 * Its memory is the payment_operations ledger itself: every operation is written under its
 * idempotency key, and a repeated key answers what was recorded, as a real processor does.
 *
 * Test tokens (authorize):
 * - `tok_ok`       approved.
 * - `tok_declined` declined (the decline is recorded; the same key keeps answering "declined").
 * - `tok_flaky`    approved and recorded, then the answer is "lost": throws a retryable
 *                  ApplicationFailure of type ProviderTimeout. The retry, with the same key,
 *                  gets the recorded authorization: exactly one authorization exists.
 * - any other token: approved (the sandbox accepts every token it does not treat specially).
 * Capture, void and refund always succeed.
 *
 * The token is only looked at, never stored or logged.
 */
/** ApplicationFailure type for "the provider's answer was lost": retryable, the retry reuses the key. */
export const PROVIDER_TIMEOUT = 'ProviderTimeout';

export const SANDBOX_TOKENS = { ok: 'tok_ok', declined: 'tok_declined', flaky: 'tok_flaky' } as const;

interface Row {
  status: 'approved' | 'declined';
  provider_ref: string | null;
  expires_at: Date | null;
}

export function createSandboxPaymentProvider(pool: Pool): PaymentProvider {
  /** Records the outcome under the key unless one is there; answers the recorded row and whether it is new. */
  async function record(
    op: PaymentOperation,
    key: string,
    orderId: string,
    status: 'approved' | 'declined',
    amountCents: number,
    currency: string,
    providerRef: string | null,
    windowMs?: number,
  ): Promise<{ row: Row; created: boolean }> {
    const inserted = await pool.query<Row>(
      `INSERT INTO payment_operations (order_id, operation, idempotency_key, status, amount_cents, currency, provider_ref, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $8::double precision IS NULL THEN NULL
                                                ELSE now() + make_interval(secs => $8::double precision / 1000) END)
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING status, provider_ref, expires_at`,
      [orderId, op, key, status, amountCents, currency, providerRef, windowMs ?? null],
    );
    if (inserted.rows[0]) return { row: inserted.rows[0], created: true };
    const { rows } = await pool.query<Row>(
      'SELECT status, provider_ref, expires_at FROM payment_operations WHERE idempotency_key = $1',
      [key],
    );
    if (!rows[0]) throw new Error(`sandbox: ledger row ${key} vanished`);
    return { row: rows[0], created: false };
  }

  function answer(row: Row): OperationResult {
    if (!row.provider_ref) throw new Error('sandbox: approved operation without a reference');
    return { providerRef: row.provider_ref };
  }

  return {
    async authorize(req: AuthorizeRequest): Promise<AuthorizeResult> {
      const declined = req.token === SANDBOX_TOKENS.declined;
      const { row, created } = await record(
        'authorize',
        req.idempotencyKey,
        req.orderId,
        declined ? 'declined' : 'approved',
        req.amountCents,
        req.currency,
        declined ? null : `sbx_auth_${randomUUID()}`,
        req.windowMs,
      );
      if (created && req.token === SANDBOX_TOKENS.flaky) {
        // The authorization exists (committed above); only the answer goes missing.
        throw ApplicationFailure.retryable(
          'sandbox payment provider: request timed out (answer lost)',
          PROVIDER_TIMEOUT,
        );
      }
      if (row.status === 'declined') return { status: 'declined' };
      return { status: 'approved', authorizationId: answer(row).providerRef, expiresAt: row.expires_at };
    },

    async capture(req) {
      const { row } = await record(
        'capture',
        req.idempotencyKey,
        req.orderId,
        'approved',
        req.amountCents,
        req.currency,
        `sbx_cap_${randomUUID()}`,
      );
      return answer(row);
    },

    async void(req) {
      const { row } = await record(
        'void',
        req.idempotencyKey,
        req.orderId,
        'approved',
        req.amountCents,
        req.currency,
        `sbx_void_${randomUUID()}`,
      );
      return answer(row);
    },

    async refund(req) {
      const { row } = await record(
        'refund',
        req.idempotencyKey,
        req.orderId,
        'approved',
        req.amountCents,
        req.currency,
        `sbx_ref_${randomUUID()}`,
      );
      return answer(row);
    },
  };
}
