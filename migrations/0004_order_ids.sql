-- Order ids are unique for ever. Temporal refuses a second start of `order-<id>` only while the
-- first run is within retention; after that the id could be placed again, and the read model
-- (ON CONFLICT DO NOTHING on orders) would answer the old order's stored result. The first run to
-- price an order claims its id here (run_id: the order workflow's firstExecutionRunId); any other
-- run is refused with OrderIdTaken and writes nothing.
-- Orders priced before this migration have no claim (their run ids were never recorded): their
-- workflows' status writes go through unchecked, and a run pricing such an id again is refused
-- (priceOrder finds an orders row it did not claim).
CREATE TABLE order_ids (
  order_id   text        PRIMARY KEY,
  run_id     text        NOT NULL,
  claimed_at timestamptz NOT NULL DEFAULT now()
);

-- The reservation sweeper looks for held reservations past their expiry, oldest first.
CREATE INDEX reservations_tried_expiry_idx ON reservations (expires_at) WHERE status = 'TRIED';
