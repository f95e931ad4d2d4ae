/**
 * OIDC login in a real browser (playwright-core, the npm-packaged Chromium): the console's link, the
 * provider's form, and back to the inbox signed in. The API is at `localhost` and the provider at
 * `127.0.0.1`, two sites, as a company's provider is: the browser comes back with a cross-site
 * navigation, which must carry the Lax sign-in cookie and still end with the Strict session cookie
 * in use. Screenshots: test-output/console/oidc-*.png.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import { addStaffUser } from '../../src/api/staff';
import { projectRoot } from '../../src/runtime/paths';
import { buildTestApi } from '../support/api';
import { launchChromium } from '../support/browser';
import { freePort, startTestIdp, type TestIdp } from '../support/oidc';
import { uid } from '../support/orders';
import { startTestWorkers, type TestWorkers } from '../support/workers';

const SHOTS = path.join(projectRoot(), 'test-output', 'console');
const approver = uid('oidc-ann');
let stack: TestWorkers;
let idp: TestIdp;
let api: FastifyInstance;
let apiUrl: string;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  stack = await startTestWorkers([]);
  await addStaffUser(stack.pool, approver, 'approver');
  const port = await freePort();
  apiUrl = `http://localhost:${port}`;
  const redirectUrl = `${apiUrl}/v1/session/oidc/callback`;
  const client = { clientId: 'durable-orders', clientSecret: 'a test client secret of this run' };
  idp = await startTestIdp({
    ...client,
    redirectUri: redirectUrl,
    accounts: { ann: { preferred_username: approver } },
  });
  api = await buildTestApi(stack, { oidc: { issuer: idp.issuer, ...client, redirectUrl } });
  await api.listen({ host: '127.0.0.1', port });
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await api?.close();
  await idp?.stop();
  await stack?.stop();
});

test('a staff user signs in with the company account and lands in the inbox, signed in', async () => {
  const page = await browser.newPage({ viewport: { width: 1000, height: 600 } });
  await page.goto(`${apiUrl}/console/login`);
  await page.screenshot({ path: path.join(SHOTS, 'oidc-login.png') });
  await page.getByRole('link', { name: 'Sign in with company account' }).click();
  await page.waitForURL(`${idp.issuer}/interaction/**`);
  await page.locator('input[name=login]').fill('ann');
  await page.getByRole('button', { name: 'Sign in' }).click();
  // The callback's page moves on to /console; without the session there it would be the login page.
  await page.waitForURL(/\/console(\/login)?$/, { timeout: 15_000 });
  expect(page.url()).toBe(`${apiUrl}/console`);
  expect(await page.locator('header').innerText()).toContain(`${approver} (approver)`);
  await page.screenshot({ path: path.join(SHOTS, 'oidc-inbox.png') });
  await page.close();
});
