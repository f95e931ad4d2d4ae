-- What an order waiting for approval asks, for the people who answer it (the console's inbox):
-- the rule that asked and by when an answer is due (then it is rejected for want of one).
-- Written by the orders service's read model with the AwaitingApproval status.
ALTER TABLE orders ADD COLUMN approval_rule text;
ALTER TABLE orders ADD COLUMN approval_due_at timestamptz;
