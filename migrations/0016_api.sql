-- The Orders API (issue 28): storefront API keys, stored as the SHA-256 of their random secret
-- (shown once, at creation), and each order a storefront placed, under the Idempotency-Key it
-- came with: the same key and body answer the same order, the same key and another body a 422.
CREATE TABLE api_keys (
  key_id        text        PRIMARY KEY,
  secret_sha256 bytea       NOT NULL,
  storefront    text        NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  disabled_at   timestamptz
);

CREATE TABLE api_orders (
  storefront      text        NOT NULL,
  idempotency_key text        NOT NULL,
  request_sha256  bytea       NOT NULL,
  order_id        text        NOT NULL UNIQUE,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (storefront, idempotency_key)
);
