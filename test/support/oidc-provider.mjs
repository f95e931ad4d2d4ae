// A company identity provider for the OIDC login test (test/support/oidc.ts starts it): oidc-provider,
// a certified OpenID Provider, as a child process (it is ESM only, which Jest's CommonJS loader cannot
// load), on 127.0.0.1 only. Its login form takes an account name, no password (the test is the person);
// consent is given with the login. Settings come as one JSON argument; it prints its issuer (with the
// port it took) when up.
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import Provider from 'oidc-provider';

const { clientId, clientSecret, redirectUri, accounts } = JSON.parse(process.argv[2]);
const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

// The issuer is the URL it is reached at, so the port is taken first and the provider made on it.
const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  // A role claim too, which the API must ignore (roles are its own); and the e-mail address with the
  // profile, so that the API, though it asks for no e-mail, is given one and must not match by it.
  claims: { openid: ['sub'], profile: ['preferred_username', 'role', 'email'] },
  // Company providers (Keycloak, Okta, Entra ID) put profile claims in the ID token; so does this one.
  conformIdTokenClaims: false,
  findAccount: (_ctx, sub) =>
    accounts[sub] ? { accountId: sub, claims: async () => ({ sub, ...accounts[sub] }) } : undefined,
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['a test provider of one test run'] },
  jwks: { keys: [{ ...signingKey, alg: 'RS256', use: 'sig', kid: 'test' }] },
});
provider.on('server_error', (_ctx, err) => process.stderr.write(`provider error: ${err.stack}\n`));

const readBody = (req) =>
  new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });

// The provider's login: the form, and its answer (the account signs in and consents to what was asked).
async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  if (req.method === 'GET') {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(
      `<form method="post" action="/interaction/${details.uid}"><input name="login"><button>Sign in</button></form>`,
    );
    return;
  }
  const accountId = (await readBody(req)).get('login');
  if (!accounts[accountId]) {
    res.statusCode = 400;
    res.end('no such account');
    return;
  }
  const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
  grant.addOIDCScope(details.params.scope);
  const grantId = await grant.save();
  const result = { login: { accountId }, consent: { grantId } };
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
}

const handle = provider.callback();
server.on('request', (req, res) => {
  if (!req.url.startsWith('/interaction/')) return handle(req, res);
  interaction(req, res).catch((err) => {
    process.stderr.write(`interaction error: ${err.stack}\n`);
    res.statusCode = 500;
    res.end();
  });
});
process.stdout.write(`issuer ${issuer}\n`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
