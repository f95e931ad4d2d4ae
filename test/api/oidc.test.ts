/**
 * OIDC login against a real OpenID Provider (oidc-provider, a child process on 127.0.0.1), driven
 * over HTTP as a browser would: the console's link, the provider's login, the callback, the
 * session. Only an enabled staff user named by `preferred_username` comes in, with our role.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { OidcSettings } from '../../src/config';
import { addStaffUser, disableStaffUser } from '../../src/api/staff';
import { buildTestApi } from '../support/api';
import { CookieBrowser, freePort, startTestIdp, type TestIdp } from '../support/oidc';
import { uid } from '../support/orders';
import { cliEnv } from '../support/cli';
import { runCli } from '../support/processes';
import { startTestWorkers, type TestWorkers } from '../support/workers';

const approver = uid('oidc-ann');
const disabled = uid('oidc-dora');
const unknown = uid('oidc-nobody');
const customer = uid('oidc-carl');
const CLIENT = { clientId: 'durable-orders', clientSecret: 'a test client secret of this run' };

let stack: TestWorkers;
let idp: TestIdp;
let api: FastifyInstance;
let apiUrl: string;
let callbackUrl: string;

beforeAll(async () => {
  stack = await startTestWorkers([]);
  await addStaffUser(stack.pool, approver, 'approver');
  await addStaffUser(stack.pool, disabled, 'operator');
  await disableStaffUser(stack.pool, disabled);
  await addStaffUser(stack.pool, customer, 'customer', 'cust-oidc');
  const port = await freePort();
  apiUrl = `http://127.0.0.1:${port}`;
  callbackUrl = `${apiUrl}/v1/session/oidc/callback`;
  idp = await startTestIdp({
    ...CLIENT,
    redirectUri: callbackUrl,
    accounts: {
      // The provider claims a role: ours (approver) is the one that counts.
      ann: { preferred_username: approver, email: 'ann@example.com', role: 'admin' },
      dora: { preferred_username: disabled },
      nobody: { preferred_username: unknown },
      // Another account at the provider that takes the approver's name (renamed, reused): not them.
      impostor: { preferred_username: approver },
      // A customer's account: the company's provider signs staff in, never a customer.
      carl: { preferred_username: customer },
      // Only an e-mail address, whose local part is a staff user's name: not a match.
      mailonly: { email: `${approver}@example.com` },
    },
  });
  const oidc: OidcSettings = { issuer: idp.issuer, ...CLIENT, redirectUrl: callbackUrl };
  api = await buildTestApi(stack, { oidc });
  await api.listen({ host: '127.0.0.1', port });
});
afterAll(async () => {
  await api?.close();
  await idp?.stop();
  await stack?.stop();
});

const sessionRows = async () => Number((await stack.pool.query('SELECT count(*) FROM staff_sessions')).rows[0].count);
const detailOf = async (response: Response) => ((await response.json()) as { detail: string }).detail;
const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** The console's link, to the provider's login form: the browser and the form's URL. */
async function startSignIn(browser: CookieBrowser): Promise<string> {
  const { url, response } = await browser.follow(`${apiUrl}/v1/session/oidc`);
  expect(response.status).toBe(200);
  expect(url.startsWith(`${idp.issuer}/interaction/`)).toBe(true);
  return url;
}

/** The person signs in at the provider as `account`: the callback URL it sends the browser to, not yet visited. */
async function signInAt(browser: CookieBrowser, loginUrl: string, account: string): Promise<string> {
  const body = new URLSearchParams({ login: account });
  const { url } = await browser.follow(loginUrl, (next) => next.startsWith(callbackUrl), { method: 'POST', body });
  expect(url.startsWith(`${callbackUrl}?`)).toBe(true);
  return url;
}

/** A whole sign-in as `account` in a new browser: the callback's answer, and that no session row was made unless it said 200. */
async function signIn(account: string, headers: Record<string, string> = {}) {
  const browser = new CookieBrowser();
  const callback = await signInAt(browser, await startSignIn(browser), account);
  const before = await sessionRows();
  const response = await browser.request(callback, { headers });
  if (response.status !== 200) expect(await sessionRows()).toBe(before);
  return { browser, response };
}

test('without OIDC_ISSUER there are no OIDC routes and no link on the login page', async () => {
  const plain = await buildTestApi(stack);
  try {
    expect((await plain.inject({ method: 'GET', url: '/v1/session/oidc' })).statusCode).toBe(404);
    expect((await plain.inject({ method: 'GET', url: '/console/login' })).body).not.toContain('/v1/session/oidc');
  } finally {
    await plain.close();
  }
});

test('the login page offers company sign-in; its start keeps state, nonce and the PKCE verifier in a Lax cookie', async () => {
  const browser = new CookieBrowser();
  expect(await (await browser.request(`${apiUrl}/console/login`)).text()).toContain(
    '<a href="/v1/session/oidc" id="oidc-login">Sign in with company account</a>',
  );
  const start = await browser.request(`${apiUrl}/v1/session/oidc`);
  expect(start.status).toBe(303);
  const authorize = new URL(start.headers.get('location')!);
  expect(authorize.origin).toBe(idp.issuer);
  expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
  expect(authorize.searchParams.get('redirect_uri')).toBe(callbackUrl);
  const flow = start.headers.getSetCookie().find((c) => c.startsWith('dos_oidc='))!;
  expect(flow).toMatch(/; HttpOnly/i);
  expect(flow).toMatch(/; SameSite=Lax/i);
  expect(flow).toMatch(/; Path=\/v1\/session\/oidc(;|$)/);
  const [state] = browser.jar(apiUrl).get('dos_oidc')!.split('.');
  expect(authorize.searchParams.get('state')).toBe(state);
});

test("a staff user signs in: a password login's session, with the role from staff_users, that works for the API", async () => {
  const { browser, response } = await signIn('ann', { accept: 'text/html' });
  expect(response.status).toBe(200);
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith('dos_session='))!;
  expect(cookie).toMatch(/; HttpOnly/i);
  expect(cookie).toMatch(/; SameSite=Strict/i);
  expect(await response.text()).toContain('<meta http-equiv="refresh" content="0; url=/console" />');
  expect(browser.jar(apiUrl).has('dos_oidc')).toBe(false); // one try per sign-in

  const who = await browser.request(`${apiUrl}/v1/session`);
  expect(await who.json()).toEqual({ kind: 'staff', username: approver, role: 'approver' });
  expect((await browser.request(`${apiUrl}/v1/approvals`)).status).toBe(200);
  const inbox = await browser.request(`${apiUrl}/console`);
  expect(inbox.status).toBe(200);
  expect(await inbox.text()).toContain(`${approver} (approver)`);
  // A change with the cookie needs the session's CSRF token, as after a password login.
  const token = browser.jar(apiUrl).get('dos_session')!;
  const { rows } = await stack.pool.query('SELECT csrf_token FROM staff_sessions WHERE token_sha256 = $1', [
    sha256(token),
  ]);
  expect((await browser.request(`${apiUrl}/v1/session`, { method: 'DELETE' })).status).toBe(403);
  const out = await browser.request(`${apiUrl}/v1/session`, {
    method: 'DELETE',
    headers: { 'x-csrf-token': rows[0].csrf_token },
  });
  expect(out.status).toBe(204);
});

test("the first sign-in binds the staff user to the provider's subject; another account with its name is refused", async () => {
  expect((await signIn('ann')).response.status).toBe(200);
  const { rows } = await stack.pool.query('SELECT oidc_subject FROM staff_users WHERE username = $1', [approver]);
  expect(rows).toEqual([{ oidc_subject: `${idp.issuer}#ann` }]);
  const { browser, response } = await signIn('impostor');
  expect(response.status).toBe(403);
  expect(await detailOf(response)).toBe(
    `sub: staff user ${approver} signs in with another company account (an admin can reset that: orders users unbind ${approver})`,
  );
  expect(browser.jar(apiUrl).has('dos_session')).toBe(false);
  // `orders users unbind` forgets it: the next account to sign in binds.
  const env = cliEnv(stack.prefix);
  expect((await runCli(['users', 'unbind', approver], env)).code).toBe(0);
  expect((await signIn('impostor')).response.status).toBe(200);
  expect((await runCli(['users', 'unbind', approver], env)).code).toBe(0);
  expect((await runCli(['users', 'unbind', 'no-such-user'], env)).code).toBe(2);
});

test.each([
  ['a user the provider knows and staff_users does not', 'nobody'],
  ['a disabled staff user', 'dora'],
  ["a customer's account (the company's provider is for staff)", 'carl'],
  ['an ID token without preferred_username, though its e-mail local part is a staff name', 'mailonly'],
])('%s is refused (403), and no session is made', async (_why, account) => {
  const { browser, response } = await signIn(account);
  expect(response.status).toBe(403);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(await detailOf(response)).toMatch(/^preferred_username: /);
  expect(browser.jar(apiUrl).has('dos_session')).toBe(false);
});

test('a browser is refused on the console login page, with the reason', async () => {
  const { response } = await signIn('nobody', { accept: 'text/html,application/xhtml+xml' });
  expect(response.status).toBe(403);
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  expect(await response.text()).toContain('Company sign-in refused: preferred_username: ');
});

test('a tampered state is refused, and the sign-in cannot be finished afterwards', async () => {
  const browser = new CookieBrowser();
  const callback = new URL(await signInAt(browser, await startSignIn(browser), 'ann'));
  const real = callback.toString();
  callback.searchParams.set('state', `${callback.searchParams.get('state')!.slice(0, -2)}xx`);
  const before = await sessionRows();
  const tampered = await browser.request(callback.toString());
  expect(tampered.status).toBe(403);
  expect(await detailOf(tampered)).toMatch(/^state: does not match/);
  const again = await browser.request(real);
  expect(again.status).toBe(403);
  expect(await detailOf(again)).toMatch(/^state: no sign-in under way/);
  expect(await sessionRows()).toBe(before);
});

test("another browser's callback (a code sent to someone else) is refused", async () => {
  const victim = new CookieBrowser();
  await startSignIn(victim);
  const attacker = new CookieBrowser();
  const callback = await signInAt(attacker, await startSignIn(attacker), 'ann');
  const before = await sessionRows();
  const response = await victim.request(callback);
  expect(response.status).toBe(403);
  expect(await detailOf(response)).toMatch(/^state: does not match/);
  expect(await sessionRows()).toBe(before);
});

test('PKCE: the code with another verifier than its challenge is refused by the provider', async () => {
  const browser = new CookieBrowser();
  const callback = await signInAt(browser, await startSignIn(browser), 'ann');
  const jar = browser.jar(apiUrl);
  const [state, nonce] = jar.get('dos_oidc')!.split('.');
  jar.set('dos_oidc', [state, nonce, 'v'.repeat(43)].join('.'));
  const before = await sessionRows();
  const response = await browser.request(callback);
  expect(response.status).toBe(403);
  expect(await detailOf(response)).toBe('code: the identity provider refused the sign-in (invalid_grant)');
  expect(await sessionRows()).toBe(before);
});

test('an ID token for another nonce than the sign-in has is refused', async () => {
  const browser = new CookieBrowser();
  const callback = await signInAt(browser, await startSignIn(browser), 'ann');
  const jar = browser.jar(apiUrl);
  const [state, , verifier] = jar.get('dos_oidc')!.split('.');
  jar.set('dos_oidc', [state, 'n'.repeat(43), verifier].join('.'));
  const before = await sessionRows();
  const response = await browser.request(callback);
  expect(response.status).toBe(403);
  expect(await detailOf(response)).toMatch(/^id_token: did not verify/);
  expect(await sessionRows()).toBe(before);
});

test('a provider that does not answer is a 502 naming OIDC_ISSUER, and the API goes on serving', async () => {
  const deadIssuer = `http://127.0.0.1:${await freePort()}`;
  const down = await buildTestApi(stack, { oidc: { issuer: deadIssuer, ...CLIENT, redirectUrl: callbackUrl } });
  try {
    const response = await down.inject({ method: 'GET', url: '/v1/session/oidc' });
    expect(response.statusCode).toBe(502);
    expect(response.json().detail).toMatch(/^OIDC_ISSUER: /);
    expect((await down.inject({ method: 'GET', url: '/console/login' })).statusCode).toBe(200);
  } finally {
    await down.close();
  }
});
