-- Order services: catalog and stock (inventory), reservations (Try/Confirm/Cancel), the payments
-- ledger, shipments, the order read model and the outbox. Every activity is idempotent behind one
-- of the unique keys below, so a retry after a lost answer finds its own work instead of redoing it.
-- Money is integer minor units (bigint cents); currencies are ISO 4217 codes.

-- ---------------------------------------------------------------------------------------------
-- Catalog and stock
-- ---------------------------------------------------------------------------------------------
CREATE TABLE catalog_items (
  sku         text    PRIMARY KEY,
  name        text    NOT NULL,
  price_cents bigint  NOT NULL CHECK (price_cents >= 0),
  currency    char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$')
);

CREATE TABLE warehouses (
  id   text PRIMARY KEY,
  name text NOT NULL
);

-- available = on_hand - reserved. The CHECKs make overselling impossible even for a buggy writer.
CREATE TABLE stock (
  sku          text    NOT NULL REFERENCES catalog_items (sku),
  warehouse_id text    NOT NULL REFERENCES warehouses (id),
  on_hand      integer NOT NULL CHECK (on_hand >= 0),
  reserved     integer NOT NULL DEFAULT 0 CHECK (reserved >= 0),
  PRIMARY KEY (sku, warehouse_id),
  CONSTRAINT stock_reserved_within_on_hand CHECK (reserved <= on_hand)
);

-- ---------------------------------------------------------------------------------------------
-- Reservations: one per order (order_id is the idempotency key). TRIED holds stock, CONFIRMED
-- has taken it out of on_hand, CANCELLED gave it back (or is an empty cancel that refuses a late Try).
-- Lines are kept after a cancel, as a record of what was held.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE reservations (
  order_id   text        PRIMARY KEY,
  status     text        NOT NULL CHECK (status IN ('TRIED', 'CONFIRMED', 'CANCELLED')),
  expires_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE reservation_lines (
  order_id     text    NOT NULL REFERENCES reservations (order_id),
  sku          text    NOT NULL,
  warehouse_id text    NOT NULL,
  quantity     integer NOT NULL CHECK (quantity > 0),
  PRIMARY KEY (order_id, sku, warehouse_id),
  FOREIGN KEY (sku, warehouse_id) REFERENCES stock (sku, warehouse_id)
);

-- ---------------------------------------------------------------------------------------------
-- Payments ledger: one row per provider operation, keyed `<orderId>:<operation>`. Card tokens are
-- never stored. expires_at is set on authorizations (the capture window).
-- ---------------------------------------------------------------------------------------------
CREATE TABLE payment_operations (
  id              bigserial   PRIMARY KEY,
  order_id        text        NOT NULL,
  operation       text        NOT NULL CHECK (operation IN ('authorize', 'capture', 'void', 'refund')),
  idempotency_key text        NOT NULL UNIQUE,
  status          text        NOT NULL CHECK (status IN ('approved', 'declined')),
  amount_cents    bigint      NOT NULL CHECK (amount_cents >= 0),
  currency        char(3)     NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  provider_ref    text,
  expires_at      timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT payment_operations_key_matches CHECK (idempotency_key = order_id || ':' || operation)
);
CREATE INDEX payment_operations_order_idx ON payment_operations (order_id);

-- ---------------------------------------------------------------------------------------------
-- Shipments. A row with only shipment_id and status CANCELLED is an empty cancel (the booking
-- never happened; a late booking attempt is refused), hence the conditional NOT NULLs.
-- The address is not stored (personal data stays in the workflow); only its country.
-- ---------------------------------------------------------------------------------------------
CREATE TABLE shipments (
  shipment_id  text        PRIMARY KEY,
  order_id     text,
  warehouse_id text        REFERENCES warehouses (id),
  status       text        NOT NULL CHECK (status IN ('BOOKED', 'PICKED_UP', 'IN_TRANSIT', 'DELIVERED', 'CANCELLED')),
  carrier_ref  text,
  country      char(2),
  method       text        CHECK (method IN ('standard', 'express')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT shipments_booked_has_details CHECK (
    (order_id IS NOT NULL AND warehouse_id IS NOT NULL AND carrier_ref IS NOT NULL AND country IS NOT NULL AND method IS NOT NULL)
    OR status = 'CANCELLED'
  )
);
CREATE INDEX shipments_order_idx ON shipments (order_id);

CREATE TABLE shipment_lines (
  shipment_id text    NOT NULL REFERENCES shipments (shipment_id),
  sku         text    NOT NULL,
  quantity    integer NOT NULL CHECK (quantity > 0),
  PRIMARY KEY (shipment_id, sku)
);

CREATE TABLE shipment_events (
  shipment_id text        NOT NULL REFERENCES shipments (shipment_id),
  event       text        NOT NULL CHECK (event IN ('picked-up', 'in-transit', 'delivered')),
  at          timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (shipment_id, event)
);

-- ---------------------------------------------------------------------------------------------
-- Order read model (the workflow is the source of truth; these rows are for queries and reports).
-- ---------------------------------------------------------------------------------------------
CREATE TABLE orders (
  order_id       text        PRIMARY KEY,
  customer_id    text        NOT NULL,
  status         text        NOT NULL,
  currency       char(3)     NOT NULL,
  subtotal_cents bigint      NOT NULL CHECK (subtotal_cents >= 0),
  shipping_cents bigint      NOT NULL CHECK (shipping_cents >= 0),
  total_cents    bigint      NOT NULL CHECK (total_cents >= 0),
  failure_reason text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_customer_idx ON orders (customer_id);
CREATE INDEX orders_status_idx ON orders (status);

CREATE TABLE order_lines (
  order_id         text    NOT NULL REFERENCES orders (order_id),
  line_no          integer NOT NULL,
  sku              text    NOT NULL,
  name             text    NOT NULL,
  quantity         integer NOT NULL CHECK (quantity > 0),
  unit_price_cents bigint  NOT NULL CHECK (unit_price_cents >= 0),
  line_total_cents bigint  NOT NULL CHECK (line_total_cents >= 0),
  PRIMARY KEY (order_id, sku),
  UNIQUE (order_id, line_no)
);

-- History and outbox are append-only logs keyed by order id, without a foreign key to orders: an
-- order rejected before it was priced (unknown SKU) has no orders row but still gets its
-- cancellation recorded and announced.
-- A status may be recorded again with a different note (an approval reminder); the same
-- (order, status, note) twice is a retried activity and is ignored (ON CONFLICT DO NOTHING).
CREATE TABLE order_status_history (
  id       bigserial   PRIMARY KEY,
  order_id text        NOT NULL,
  status   text        NOT NULL,
  note     text        NOT NULL DEFAULT '',
  at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT order_status_history_once UNIQUE (order_id, status, note)
);

-- One row per customer-visible event, keyed `<orderId>:<eventType>`; a relay publishes rows with
-- published_at IS NULL and stamps them.
CREATE TABLE outbox (
  id              bigserial   PRIMARY KEY,
  order_id        text        NOT NULL,
  event_type      text        NOT NULL,
  payload         jsonb       NOT NULL,
  idempotency_key text        NOT NULL UNIQUE,
  created_at      timestamptz NOT NULL DEFAULT now(),
  published_at    timestamptz
);
CREATE INDEX outbox_unpublished_idx ON outbox (id) WHERE published_at IS NULL;

-- ---------------------------------------------------------------------------------------------
-- Demo catalog (the migration runs once, so this seed is applied once).
-- ---------------------------------------------------------------------------------------------
INSERT INTO warehouses (id, name) VALUES
  ('east', 'East Coast warehouse'),
  ('west', 'West Coast warehouse');

INSERT INTO catalog_items (sku, name, price_cents, currency) VALUES
  ('KB-001',     'Mechanical keyboard',       4999, 'USD'),
  ('MOUSE-01',   'Wireless mouse',            1999, 'USD'),
  ('MON-27',     '27" 4K monitor',           32900, 'USD'),
  ('LAPTOP-PRO', 'Laptop Pro 16"',          249900, 'USD'),
  ('CABLE-USB',  'USB-C cable (2 m)',          999, 'USD');

INSERT INTO stock (sku, warehouse_id, on_hand) VALUES
  ('KB-001',     'east',  50),
  ('KB-001',     'west',  50),
  ('MOUSE-01',   'east', 100),
  ('MON-27',     'west',  20),
  ('LAPTOP-PRO', 'east',   5),
  ('LAPTOP-PRO', 'west',   5),
  ('CABLE-USB',  'east', 500),
  ('CABLE-USB',  'west', 500);
