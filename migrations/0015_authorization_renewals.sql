-- An authorization that expired before its capture (an outage outlasted the payment window) is
-- renewed, not taken for a decline (issue 26): a renewal is its own authorize operation, keyed
-- `<orderId>:authorize:<part>`, and the capture takes the newest authorization.
ALTER TABLE payment_operations DROP CONSTRAINT payment_operations_key_matches;
ALTER TABLE payment_operations ADD CONSTRAINT payment_operations_key_matches CHECK (
  idempotency_key = order_id || ':' || operation
  OR (operation IN ('refund', 'authorize')
      AND left(idempotency_key, length(order_id) + length(operation) + 2) = order_id || ':' || operation || ':')
);
