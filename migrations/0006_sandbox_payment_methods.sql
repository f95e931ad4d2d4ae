-- The sandbox payment provider's card vault. When an order is placed, its card token is exchanged
-- here for a payment-method reference (pm_…), and only the reference enters Temporal: workflow
-- input, history and the Web UI never hold the token. Like a real processor's vault (and like
-- sandbox_payments), this is the provider's storage, read only by the provider; our ledger and
-- read model never hold tokens. The idempotency key (`place:<orderId>`) makes a repeated
-- placement of one order get the same reference.
CREATE TABLE sandbox_payment_methods (
  id              text        PRIMARY KEY CHECK (id ~ '^pm_[a-f0-9]{24}$'),
  idempotency_key text        NOT NULL UNIQUE,
  token           text        NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);
