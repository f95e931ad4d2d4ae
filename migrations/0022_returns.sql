-- Returns (issue 29). One row per return (RMA), its lines, and what came back of each line.
--
-- The returns service writes `returns` and `return_lines` (activities/returns/store.ts). A return's
-- parcel is a shipment like an outbound one (shipping owns `shipments`), marked with its `rma_id`,
-- so the carrier's events for it travel the same way (sandbox runs, webhook, inbox). What came back
-- to a shelf and what was written off are inventory's (`stock_returns`).

CREATE TABLE returns (
  rma_id         text        PRIMARY KEY,
  order_id       text        NOT NULL,
  customer_id    text        NOT NULL,
  status         text        NOT NULL CHECK (status IN
                   ('Requested', 'AwaitingParcel', 'Received', 'Refunded', 'Rejected', 'Expired', 'Refused')),
  reason         text        NOT NULL,
  requested_by   text        NOT NULL,
  warehouse_id   text,
  shipment_id    text,
  currency       char(3)     NOT NULL,
  refunded_cents bigint      NOT NULL DEFAULT 0 CHECK (refunded_cents >= 0),
  note           text,
  inspected_by   text,
  parcel_due_at  timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX returns_order_idx ON returns (order_id);

-- Each status a return reached, once, with its note.
CREATE TABLE return_history (
  id     bigserial   PRIMARY KEY,
  rma_id text        NOT NULL REFERENCES returns (rma_id),
  status text        NOT NULL,
  note   text        NOT NULL DEFAULT '',
  at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT return_history_once UNIQUE (rma_id, status)
);

-- `quantity` units of the order's line `line_no` asked back; after inspection, how many were
-- accepted, in which condition, and what was refunded for them (at most the line's unit price each).
CREATE TABLE return_lines (
  rma_id           text    NOT NULL REFERENCES returns (rma_id),
  order_id         text    NOT NULL,
  line_no          integer NOT NULL,
  sku              text    NOT NULL,
  quantity         integer NOT NULL CHECK (quantity > 0),
  unit_price_cents bigint  NOT NULL CHECK (unit_price_cents >= 0),
  accepted         integer CHECK (accepted >= 0 AND accepted <= quantity),
  condition        text    CHECK (condition IN ('resellable', 'damaged')),
  inspection_note  text,
  refunded_cents   bigint  NOT NULL DEFAULT 0 CHECK (refunded_cents >= 0 AND refunded_cents <= unit_price_cents * quantity),
  PRIMARY KEY (rma_id, sku)
);
CREATE INDEX return_lines_order_idx ON return_lines (order_id, sku);

-- A return parcel: a shipment that belongs to a return (the carrier brings it back to the warehouse).
ALTER TABLE shipments ADD COLUMN rma_id text;
CREATE UNIQUE INDEX shipments_rma_idx ON shipments (rma_id) WHERE rma_id IS NOT NULL;

-- What a return brought back, per line, once: resellable units back on the shelf, damaged ones
-- written off (the write-off ledger). Written by inventory only.
CREATE TABLE stock_returns (
  rma_id       text        NOT NULL,
  sku          text        NOT NULL,
  warehouse_id text        NOT NULL REFERENCES warehouses (id),
  restocked    integer     NOT NULL CHECK (restocked >= 0),
  written_off  integer     NOT NULL CHECK (written_off >= 0),
  at           timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (rma_id, sku)
);

-- The warehouse role inspects returns (src/domain/decisions.ts).
ALTER TABLE staff_users DROP CONSTRAINT staff_users_role_check;
ALTER TABLE staff_users
  ADD CONSTRAINT staff_users_role_check
    CHECK (role IN ('customer-service', 'approver', 'operator', 'admin', 'warehouse', 'customer'));
