/** `orders users add|list|disable`: the Orders API's staff accounts (src/api/staff.ts). */
import { STAFF_ROLES, USERNAME, addStaffUser, disableStaffUser, listStaffUsers, type StaffRole } from '../api/staff';
import { withPool } from './database';
import { invalid } from './errors';
import { EXIT, printJson } from './output';

function checkUsername(name: string | undefined): string {
  if (!name || !USERNAME.test(name))
    throw invalid('username: must be 2-40 lowercase letters, digits, ".", "_" or "-", starting with a letter');
  return name;
}

export async function usersAdd(name: string | undefined, opts: { role?: string; json?: boolean }): Promise<number> {
  const username = checkUsername(name);
  const role = STAFF_ROLES.find((r) => r === opts.role);
  if (!role) throw invalid(`--role: must be one of ${STAFF_ROLES.join(', ')}`);
  return withPool(async (pool) => {
    const password = await addStaffUser(pool, username, role as StaffRole);
    if (!password) throw invalid(`username: ${username} exists already`);
    if (opts.json) printJson({ username, role, password });
    else {
      console.log(`staff user ${username} (${role}): password ${password}`);
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
          `${u.username.padEnd(20)} ${u.role.padEnd(17)} ${u.disabledAt ? `disabled ${u.disabledAt}` : 'active'}`,
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
