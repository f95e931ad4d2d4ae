-- The sandbox carrier's parcel runs (v0.4): a booked parcel handed over for the sandbox's journey
-- (picked-up, in-transit, delivered, `transit_ms / 3` apart) waits here for its next event. The
-- shipping service's sandbox-carrier sender (activities/carrier-sandbox-runs.ts) claims what is due,
-- sends it and moves the run on, so a restart resumes every run where it stood. Before v0.4 an
-- activity of the shipment workflow played the carrier; this table takes that off the history.
CREATE TABLE sandbox_carrier_runs (
  shipment_id   text        PRIMARY KEY,
  -- The task-queue prefix of the deployment whose shipping service handed it over: its senders,
  -- and only they, send it (deployments and test runs sharing a database keep to their own).
  queue_prefix  text        NOT NULL,
  transit_ms    integer     NOT NULL CHECK (transit_ms >= 0),
  -- How many of the three events were sent; the next one is CARRIER_EVENTS[events_sent].
  events_sent   smallint    NOT NULL DEFAULT 0 CHECK (events_sent BETWEEN 0 AND 3),
  -- When the next event is due (or when a sender's claim on it lapses); NULL once the run is over.
  next_event_at timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sandbox_carrier_runs_due ON sandbox_carrier_runs (queue_prefix, next_event_at) WHERE next_event_at IS NOT NULL;
