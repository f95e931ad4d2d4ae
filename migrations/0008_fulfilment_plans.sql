-- Product types and their fulfilment plans (issue 12). Each catalog item has a type; each type has
-- a versioned plan (src/domain/plans.ts says the language) that an order snapshots when it is
-- priced, so a plan change never alters a running order. Digital goods and gift cards keep their
-- own records: a licence key or a gift code per order line, issued once (order id + sku).

ALTER TABLE catalog_items
  ADD COLUMN product_type text NOT NULL DEFAULT 'physical'
    CHECK (product_type IN ('physical', 'digital', 'preorder', 'giftcard')),
  -- Pre-orders: when the item is released (capture and shipping wait for it).
  ADD COLUMN release_at timestamptz,
  ADD CONSTRAINT catalog_preorder_has_release CHECK (product_type <> 'preorder' OR release_at IS NOT NULL);

ALTER TABLE order_lines
  ADD COLUMN product_type text NOT NULL DEFAULT 'physical',
  ADD COLUMN release_at timestamptz;

-- Which plan version of each product type the order runs (its snapshot), so a retried pricing
-- answers the same plans.
ALTER TABLE orders ADD COLUMN plan_versions jsonb;

CREATE TABLE fulfilment_plans (
  product_type text        NOT NULL CHECK (product_type IN ('physical', 'digital', 'preorder', 'giftcard')),
  version      integer     NOT NULL CHECK (version >= 1),
  body         jsonb       NOT NULL,
  note         text        NOT NULL DEFAULT '',
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (product_type, version)
);

INSERT INTO fulfilment_plans (product_type, version, body, note) VALUES
  ('physical', 1, '{"sequence": [{"step": "reserve"}, {"step": "approve"}, {"step": "authorize"}, {"step": "capture"}, {"step": "ship"}]}', 'default'),
  ('digital', 1, '{"sequence": [{"step": "approve"}, {"step": "authorize"}, {"step": "capture"}, {"step": "issue-licence"}, {"step": "notify"}]}', 'default'),
  ('preorder', 1, '{"sequence": [{"step": "reserve"}, {"step": "approve"}, {"step": "authorize"}, {"waitUntil": "release"}, {"step": "capture"}, {"step": "ship"}]}', 'default'),
  ('giftcard', 1, '{"sequence": [{"step": "approve"}, {"step": "authorize"}, {"step": "capture"}, {"step": "issue-gift-code"}, {"step": "notify"}]}', 'default');

CREATE TABLE licences (
  order_id    text        NOT NULL,
  sku         text        NOT NULL,
  licence_key text        NOT NULL UNIQUE,
  status      text        NOT NULL CHECK (status IN ('ISSUED', 'REVOKED')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (order_id, sku)
);

CREATE TABLE gift_codes (
  order_id     text        NOT NULL,
  sku          text        NOT NULL,
  code         text        NOT NULL UNIQUE,
  amount_cents bigint      NOT NULL CHECK (amount_cents >= 0),
  currency     char(3)     NOT NULL,
  status       text        NOT NULL CHECK (status IN ('ISSUED', 'VOIDED')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (order_id, sku)
);

-- What the customer was told, once per order and kind (the sandbox's stand-in for an e-mail).
CREATE TABLE customer_notifications (
  order_id   text        NOT NULL,
  kind       text        NOT NULL,
  body       jsonb       NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (order_id, kind)
);
