-- The sandbox carrier's own memory, apart from our shipments table, as a real carrier's records are
-- apart from ours: a booking by idempotency key (`<shipment id>:book`), its carrier reference, and
-- whether it was cancelled. Read and written only by the sandbox carrier (activities/carrier-sandbox.ts).
CREATE TABLE sandbox_carrier_bookings (
  idempotency_key text        PRIMARY KEY,
  carrier_ref     text        NOT NULL UNIQUE,
  shipment_id     text        NOT NULL UNIQUE,
  country         text        NOT NULL,
  parcels         integer     NOT NULL CHECK (parcels > 0),
  status          text        NOT NULL DEFAULT 'BOOKED' CHECK (status IN ('BOOKED', 'CANCELLED')),
  created_at      timestamptz NOT NULL DEFAULT now(),
  cancelled_at    timestamptz
);
