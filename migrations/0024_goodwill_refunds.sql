-- Refunds without a return (issue 29): goodwill, damaged in transit. One row per refund; the returns
-- service is its only writer (activities/returns/goodwill.ts). Pending ones (Requested,
-- AwaitingApproval) hold their amount: two cannot both be approved into more than was paid.
CREATE TABLE goodwill_refunds (
  refund_id      text        PRIMARY KEY,
  order_id       text        NOT NULL,
  sku            text,
  amount_cents   bigint      NOT NULL CHECK (amount_cents > 0),
  currency       char(3)     NOT NULL,
  status         text        NOT NULL CHECK (status IN ('Requested', 'AwaitingApproval', 'Refunded', 'Rejected', 'Refused')),
  reason         text        NOT NULL,
  requested_by   text        NOT NULL,
  approvers      text[],
  due_at         timestamptz,
  decided_by     text,
  note           text,
  refunded_cents bigint      NOT NULL DEFAULT 0 CHECK (refunded_cents >= 0 AND refunded_cents <= amount_cents),
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX goodwill_refunds_order_idx ON goodwill_refunds (order_id);
CREATE INDEX goodwill_refunds_waiting_idx ON goodwill_refunds (created_at) WHERE status = 'AwaitingApproval';
