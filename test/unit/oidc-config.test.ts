/** OIDC login's settings: off without OIDC_ISSUER, and every mistake named by its variable at start. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, oidcSettings } from '../../src/config';

const settingsOf = (env: Record<string, string>) => oidcSettings(loadConfig(env));
const ON = { OIDC_ISSUER: 'https://login.example.com/realms/staff', OIDC_CLIENT_ID: 'durable-orders' };

test('off without OIDC_ISSUER; a stray OIDC setting without it is a mistake, named', () => {
  expect(settingsOf({})).toBeUndefined();
  expect(() => settingsOf({ OIDC_CLIENT_ID: 'x' })).toThrow(/^OIDC_CLIENT_ID: set without OIDC_ISSUER/);
});

test('on: the client, its secret, and a callback derived from ORDERS_API_URL unless OIDC_REDIRECT_URL is set', () => {
  expect(settingsOf({ ...ON, OIDC_CLIENT_SECRET: 's', ORDERS_API_URL: 'https://orders.example.com/' })).toEqual({
    issuer: ON.OIDC_ISSUER,
    clientId: 'durable-orders',
    clientSecret: 's',
    redirectUrl: 'https://orders.example.com/v1/session/oidc/callback',
  });
  const redirect = 'https://console.example.com/v1/session/oidc/callback';
  expect(settingsOf({ ...ON, OIDC_CLIENT_SECRET: 's', OIDC_REDIRECT_URL: redirect })?.redirectUrl).toBe(redirect);
  // The default API address is loopback: http is allowed there.
  expect(settingsOf({ ...ON, OIDC_CLIENT_SECRET: 's' })?.redirectUrl).toBe(
    'http://127.0.0.1:8238/v1/session/oidc/callback',
  );
});

test('the secret from a file', () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'oidc-')), 'secret');
  writeFileSync(file, 'from-a-file\n');
  expect(settingsOf({ ...ON, OIDC_CLIENT_SECRET_FILE: file })?.clientSecret).toBe('from-a-file');
  writeFileSync(file, '\n');
  expect(() => settingsOf({ ...ON, OIDC_CLIENT_SECRET_FILE: file })).toThrow(/^OIDC_CLIENT_SECRET_FILE: .* is empty/);
  expect(() => settingsOf({ ...ON, OIDC_CLIENT_SECRET_FILE: `${file}.none` })).toThrow(
    /^OIDC_CLIENT_SECRET_FILE: cannot read .*ENOENT/,
  );
});

test.each([
  [{ OIDC_ISSUER: ON.OIDC_ISSUER, OIDC_CLIENT_SECRET: 's' }, /^OIDC_CLIENT_ID: required/],
  [ON, /^OIDC_CLIENT_SECRET: required/],
  [{ ...ON, OIDC_CLIENT_SECRET: 's', OIDC_CLIENT_SECRET_FILE: '/x' }, /^OIDC_CLIENT_SECRET_FILE: set together/],
  [{ ...ON, OIDC_CLIENT_SECRET: 's', OIDC_ISSUER: 'http://login.example.com' }, /^OIDC_ISSUER: must be an https/],
  [
    { ...ON, OIDC_CLIENT_SECRET: 's', ORDERS_API_URL: 'http://orders.example.com' },
    /^ORDERS_API_URL: must be an https/,
  ],
  [
    { ...ON, OIDC_CLIENT_SECRET: 's', OIDC_REDIRECT_URL: 'https://orders.example.com/callback' },
    /^OIDC_REDIRECT_URL: must end in \/v1\/session\/oidc\/callback/,
  ],
])('a mistake is named: %j', (env, message) => {
  expect(() => settingsOf(env)).toThrow(message);
});
