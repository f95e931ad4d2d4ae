/** `orders users add|list|disable`: the Orders API's staff accounts (src/api/staff.ts). */
import {
  ACCOUNT_ROLES,
  USERNAME,
  addStaffUser,
  disableStaffUser,
  listStaffUsers,
  unbindOidcSubject,
} from '../api/staff';
import { IdSchema } from '../domain';
import { withPool } from './database';
import { invalid } from './errors';
import { EXIT, printJson } from './output';

function checkUsername(name: string | undefined): string {
  if (!name || !USERNAME.test(name))
    throw invalid('username: must be 2-40 lowercase letters, digits, ".", "_" or "-", starting with a letter');
  return name;
}

export async function usersAdd(
  name: string | undefined,
  opts: { role?: string; customer?: string; json?: boolean },
): Promise<number> {
  const username = checkUsername(name);
  const role = ACCOUNT_ROLES.find((r) => r === opts.role);
  if (!role) throw invalid(`--role: must be one of ${ACCOUNT_ROLES.join(', ')}`);
  // A customer's account reads the orders of one customer id; staff have none.
  if (role === 'customer' && !IdSchema.safeParse(opts.customer).success)
    throw invalid('--customer: the customer id whose orders this account reads (1-64 letters, digits, "_" or "-")');
  if (role !== 'customer' && opts.customer !== undefined) throw invalid('--customer: only with --role customer');
  return withPool(async (pool) => {
    const password = await addStaffUser(pool, username, role, opts.customer);
    if (!password) throw invalid(`username: ${username} exists already`);
    const customer = role === 'customer' ? { customerId: opts.customer } : {};
    if (opts.json) printJson({ username, role, ...customer, password });
    else {
      console.log(`user ${username} (${role}${opts.customer ? ` of ${opts.customer}` : ''}): password ${password}`);
      console.log('Shown once: only its argon2id hash is kept. Log in with `POST /v1/session`.');
    }
    return EXIT.OK;
  });
}

export async function usersList(opts: { json?: boolean }): Promise<number> {
  return withPool(async (pool) => {
    const users = await listStaffUsers(pool);
    if (opts.json) printJson({ users });
    else
      for (const u of users)
        console.log(
          `${u.username.padEnd(20)} ${(u.customerId ? `customer ${u.customerId}` : u.role).padEnd(17)} ${u.disabledAt ? `disabled ${u.disabledAt}` : 'active'}`,
        );
    return EXIT.OK;
  });
}

export async function usersDisable(name: string | undefined, opts: { json?: boolean }): Promise<number> {
  const username = checkUsername(name);
  return withPool(async (pool) => {
    if (!(await disableStaffUser(pool, username))) throw invalid(`username: no staff user ${username}`);
    if (opts.json) printJson({ username, disabled: true });
    else console.log(`staff user ${username} disabled; its sessions ended`);
    return EXIT.OK;
  });
}

/** `orders users unbind <name>`: forgets the company account a user signed in with (the next one binds). */
export async function usersUnbind(name: string | undefined, opts: { json?: boolean }): Promise<number> {
  const username = checkUsername(name);
  return withPool(async (pool) => {
    if (!(await unbindOidcSubject(pool, username))) throw invalid(`username: no user ${username}`);
    if (opts.json) printJson({ username, unbound: true });
    else console.log(`user ${username}: its next company sign-in binds its account at the provider`);
    return EXIT.OK;
  });
}
