-- Customer messages leave the system (issue 29). With SMTP_URL the mail sender
-- (src/events/mail-sender.ts) mails each notification and records on its row how that went; the
-- sandbox mail sink `npm start` runs keeps what it received.

-- A notice may say more than its subject (a return label's link, say); without, the mail's text is made from the row.
ALTER TABLE notifications ADD COLUMN body text;

-- pending: waits for its attempt at mail_next_at; sent; failed: refused for good or out of
-- attempts (mail_error says which). Rows written before mail existed are `skipped`: a
-- confirmation mailed months late helps nobody. New rows are pending.
ALTER TABLE notifications
  ADD COLUMN mail_status text NOT NULL DEFAULT 'skipped'
    CHECK (mail_status IN ('pending', 'sent', 'failed', 'skipped')),
  ADD COLUMN mail_attempts integer NOT NULL DEFAULT 0,
  ADD COLUMN mail_next_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN mail_sent_at timestamptz,
  ADD COLUMN mail_error text;
ALTER TABLE notifications ALTER COLUMN mail_status SET DEFAULT 'pending';
CREATE INDEX notifications_mail_pending_idx ON notifications (id) WHERE mail_status = 'pending';

-- The sandbox mail sink's mailbox: every message it accepted, as a real mail provider's would
-- be. A message sent again under the same Message-ID (a sender that died before it recorded the
-- send) is kept once.
CREATE TABLE sandbox_mailbox (
  id          bigserial   PRIMARY KEY,
  message_id  text        UNIQUE,
  mail_from   text        NOT NULL,
  rcpt_to     text[]      NOT NULL,
  subject     text        NOT NULL,
  order_id    text,
  text_body   text,
  raw         bytea       NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sandbox_mailbox_order_idx ON sandbox_mailbox (order_id, id);
