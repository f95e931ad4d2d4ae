-- Partial cancellation before payment (issue 29): lines taken out of a running order. Their units
-- go back to stock and their reservation lines leave the reservation (inventory keeps what it
-- released in reservation_line_cancels); the order's lines and totals shrink (the orders service
-- keeps what was removed, by whom and why, in order_line_cancels). Each row once, by its key.
CREATE TABLE reservation_line_cancels (
  order_id     text        NOT NULL,
  sku          text        NOT NULL,
  warehouse_id text        NOT NULL,
  quantity     integer     NOT NULL CHECK (quantity > 0),
  at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (order_id, sku, warehouse_id)
);

CREATE TABLE order_line_cancels (
  order_id         text        NOT NULL,
  sku              text        NOT NULL,
  quantity         integer     NOT NULL CHECK (quantity > 0),
  unit_price_cents bigint      NOT NULL CHECK (unit_price_cents >= 0),
  removed_by       text        NOT NULL,
  reason           text        NOT NULL,
  at               timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (order_id, sku)
);
