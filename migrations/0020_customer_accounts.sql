-- Customers' accounts (issue 28): a person who may read the orders of one customer id, and nothing
-- else. They log in like staff (same table, same argon2id hash and sessions), with the role
-- `customer` and the customer id their orders carry; a staff account has none.
ALTER TABLE staff_users DROP CONSTRAINT staff_users_role_check;
ALTER TABLE staff_users
  ADD CONSTRAINT staff_users_role_check
    CHECK (role IN ('customer-service', 'approver', 'operator', 'admin', 'customer'));
ALTER TABLE staff_users ADD COLUMN customer_id text;
ALTER TABLE staff_users
  ADD CONSTRAINT staff_users_customer_check CHECK ((role = 'customer') = (customer_id IS NOT NULL));
