-- Failed staff logins, by name (src/api/staff.ts): five in a minute and the name takes no more
-- attempts until the minute has passed, whichever address, route (API or console) or API process
-- they come from. Written only by src/api/staff.ts.
CREATE TABLE staff_login_failures (
  username text        NOT NULL,
  at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX staff_login_failures_by_name ON staff_login_failures (username, at);
