-- The point of no return of an order, decided in one place under a row lock: a cancellation is
-- granted only while no parcel is with the carrier, and the first pickup is accepted only while no
-- cancellation was granted. Whichever commits first wins; the other is refused.
CREATE TABLE order_gates (
  order_id            text        PRIMARY KEY,
  cancel_granted_at   timestamptz,
  first_pickup_at     timestamptz,
  CONSTRAINT order_gates_one_way CHECK (cancel_granted_at IS NULL OR first_pickup_at IS NULL)
);
