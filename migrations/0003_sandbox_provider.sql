-- The sandbox payment provider's own memory, apart from our ledger (payment_operations), as a real
-- processor's records are apart from ours: the activities can then be tested finding at the
-- provider what their ledger missed (an answer lost in a timeout). Keyed by the idempotency key.
-- An authorization's voided_at / captured_at are set under its row lock, so a capture and a void
-- of one authorization can never both succeed. The card token is never stored: `slow` remembers
-- only that tok_slow asked for slow answers.
CREATE TABLE sandbox_payments (
  idempotency_key text        PRIMARY KEY,
  order_id        text        NOT NULL,
  operation       text        NOT NULL CHECK (operation IN ('authorize', 'capture', 'void', 'refund')),
  status          text        NOT NULL CHECK (status IN ('approved', 'declined')),
  amount_cents    bigint      NOT NULL CHECK (amount_cents >= 0),
  currency        char(3)     NOT NULL,
  provider_ref    text        UNIQUE,
  expires_at      timestamptz,
  slow            boolean     NOT NULL DEFAULT false,
  voided_at       timestamptz,
  captured_at     timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT sandbox_payments_void_or_capture CHECK (voided_at IS NULL OR captured_at IS NULL)
);
