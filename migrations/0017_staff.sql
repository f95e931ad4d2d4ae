-- Staff accounts of the Orders API (issue 28): a role each, the password as an argon2id hash (PHC
-- string, @node-rs/argon2), and sessions stored as the SHA-256 of their random token with the CSRF
-- token a browser must echo on every change. Written only by src/api/staff.ts.
CREATE TABLE staff_users (
  username      text        PRIMARY KEY CHECK (username ~ '^[a-z][a-z0-9._-]{1,39}$'),
  password_hash text        NOT NULL,
  role          text        NOT NULL CHECK (role IN ('customer-service', 'approver', 'operator', 'admin')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  disabled_at   timestamptz
);

CREATE TABLE staff_sessions (
  token_sha256 bytea       PRIMARY KEY,
  username     text        NOT NULL REFERENCES staff_users (username),
  csrf_token   text        NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL
);
CREATE INDEX staff_sessions_by_user ON staff_sessions (username);
