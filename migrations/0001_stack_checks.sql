-- Rows written by the stack-check workflow: one per (check, service) proves that service's worker ran.
CREATE TABLE stack_checks (
  check_id   text        NOT NULL,
  service    text        NOT NULL,
  checked_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (check_id, service)
);
