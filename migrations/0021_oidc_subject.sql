-- Company sign-in (OIDC) binds a staff user to one account at the identity provider: the first
-- sign-in records the provider's stable subject (`<issuer>#<sub>`); later ones must come from it.
-- A name (`preferred_username`) can be renamed or reused at a provider; a subject cannot.
ALTER TABLE staff_users ADD COLUMN oidc_subject text UNIQUE;
