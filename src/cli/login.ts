/** `orders login` and `orders logout`: a staff session of the Orders API for this user's CLI. */
import { createInterface } from 'node:readline';
import { loadConfig, ordersApiUrl } from '../config';
import { apiSession, callApi, forgetSession, saveSession, type SavedSession } from './api-session';
import { invalid } from './errors';
import { EXIT, printJson } from './output';

/** The password: typed at a terminal without echo, or read from stdin (scripts: --password-stdin). */
async function readPassword(fromStdin: boolean | undefined): Promise<string> {
  if (fromStdin || !process.stdin.isTTY) {
    let text = '';
    for await (const chunk of process.stdin) text += String(chunk);
    return text.replace(/\r?\n$/, '');
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const muted = rl as unknown as { _writeToOutput: (s: string) => void };
  process.stderr.write('Password: ');
  muted._writeToOutput = () => undefined; // no echo
  const password = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  process.stderr.write('\n');
  return password;
}

export async function login(opts: { user?: string; passwordStdin?: boolean; json?: boolean }): Promise<number> {
  if (!opts.user) throw invalid('--user: is required');
  const config = loadConfig();
  const api = ordersApiUrl(config);
  const password = await readPassword(opts.passwordStdin);
  if (!password) throw invalid('password: is required (type it, or give it on stdin with --password-stdin)');
  const session = await callApi<Omit<SavedSession, 'api'>>(
    { api },
    'POST',
    '/v1/session',
    { username: opts.user, password },
    { unauthorized: `--user or password: not a staff login that works at ${api}` },
  );
  const file = saveSession(config, { api, ...session });
  if (opts.json) printJson({ username: session.username, role: session.role, expiresAt: session.expiresAt, file });
  else
    console.log(
      `logged in to ${api} as ${session.username} (${session.role}) until ${session.expiresAt}; session in ${file}`,
    );
  return EXIT.OK;
}

export async function logout(opts: { json?: boolean }): Promise<number> {
  const config = loadConfig();
  const session = apiSession(config);
  await callApi(session, 'DELETE', '/v1/session').catch(() => undefined); // gone already: still forget it here
  forgetSession(config);
  if (opts.json) printJson({ loggedOut: true });
  else console.log('logged out');
  return EXIT.OK;
}
