-- Events and time (issue 10): what the notifications consumer sent, which inbound carrier events
-- were handled, messages nobody could handle, and the scheduled checks' reports.

-- The sandbox mailbox: one row per (event, recipient). A redelivered event (the relay publishes at
-- least once) finds its rows and adds none: each event is notified once.
CREATE TABLE notifications (
  id         bigserial   PRIMARY KEY,
  event_id   text        NOT NULL,
  order_id   text        NOT NULL,
  kind       text        NOT NULL,
  recipient  text        NOT NULL,
  subject    text        NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT notifications_once UNIQUE (event_id, recipient)
);
CREATE INDEX notifications_order_idx ON notifications (order_id, id);

-- Inbound carrier events (queue or webhook) that reached their shipment: the dedup record by event id.
CREATE TABLE carrier_event_inbox (
  event_id    text        PRIMARY KEY,
  shipment_id text        NOT NULL,
  event       text        NOT NULL,
  source      text        NOT NULL CHECK (source IN ('queue', 'webhook')),
  received_at timestamptz NOT NULL DEFAULT now()
);

-- Messages a consumer could not handle, with the reason (the broker's dead-letter queue holds the
-- message itself when a broker is configured).
CREATE TABLE dead_letters (
  id         bigserial   PRIMARY KEY,
  source     text        NOT NULL,
  message_id text,
  reason     text        NOT NULL,
  body       text        NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Reports of the scheduled checks (reconciliation, outbox lag): one per workflow run.
CREATE TABLE check_reports (
  id              bigserial   PRIMARY KEY,
  kind            text        NOT NULL CHECK (kind IN ('reconciliation', 'outbox-lag')),
  run_key         text        NOT NULL UNIQUE,
  summary         jsonb       NOT NULL,
  mismatches      jsonb       NOT NULL DEFAULT '[]',
  needs_attention boolean     NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX check_reports_kind_idx ON check_reports (kind, id DESC);
