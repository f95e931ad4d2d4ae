-- Business rules as versioned data (issue 12): approval policy, risk rules and shipping fees, one
-- rule set per deployment scope (TASK_QUEUE_PREFIX, '' by default; tests get scopes of their own)
-- and version. An order records the version it ran under. Without a saved rule set a scope runs
-- under version 0: the built-in defaults and the workers' configured threshold.
CREATE TABLE rule_sets (
  scope      text        NOT NULL,
  version    integer     NOT NULL CHECK (version >= 1),
  body       jsonb       NOT NULL,
  note       text        NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, version)
);

ALTER TABLE orders ADD COLUMN rules_version integer;
