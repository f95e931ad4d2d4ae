-- Settling an order that failed, or was stopped, after a parcel left (issue 26): what left the
-- warehouse is confirmed and paid, the rest released and refunded; and what people must look at.

-- Each reserved line's end: CONFIRMED (its units left on_hand) or RELEASED (they went back). A
-- reservation settled in part has both; its status is CONFIRMED when any unit left.
ALTER TABLE reservation_lines ADD COLUMN outcome text CHECK (outcome IN ('CONFIRMED', 'RELEASED'));
UPDATE reservation_lines l
   SET outcome = CASE r.status WHEN 'CONFIRMED' THEN 'CONFIRMED' ELSE 'RELEASED' END
  FROM reservations r
 WHERE r.order_id = l.order_id AND r.status <> 'TRIED';

-- A refund of part of a capture is its own operation, keyed `<orderId>:refund:<part>`; the full
-- refund keeps `<orderId>:refund` and gives back what the parts left.
ALTER TABLE payment_operations DROP CONSTRAINT payment_operations_key_matches;
ALTER TABLE payment_operations ADD CONSTRAINT payment_operations_key_matches CHECK (
  idempotency_key = order_id || ':' || operation
  OR (operation = 'refund' AND left(idempotency_key, length(order_id) + 8) = order_id || ':refund:')
);

-- Why people must look at an order (NULL: nothing): a settlement that could not be made in full,
-- a stranded run recovered with a remainder. `orders list --needs-attention` shows these too.
ALTER TABLE orders ADD COLUMN attention text;
