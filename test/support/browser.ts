/**
 * The browser the Web UI tests drive. By default the Chromium that the npm package
 * `@sparticuz/chromium` carries inside itself (unpacked on first use, see packagedChromium):
 * `npm install` is all a fresh machine needs, with no download at run time and no system
 * package. It needs only libc, libgcc and libexpat from the system (the rest is bundled). CHROMIUM_PATH picks another binary
 * (say Debian's /usr/bin/chromium). Its own Lambda-oriented flags (`--single-process`,
 * `--disable-web-security`, ...) are not used: the tests want a browser that enforces CORS like
 * the one on a user's desk.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { projectRoot } from '../../src/runtime/paths';

const FLAGS = [
  '--no-sandbox', // root in CI
  '--disable-gpu',
  // The machine has no internet: without these, Chromium keeps dialling Google's services.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

/**
 * Unpacks the package's Chromium and answers its path. In a Node process of its own: the package is
 * ESM-only, which jest's CommonJS module registry cannot load. The package reuses any
 * `<tmpdir>/chromium` it finds, whatever its version and even half-unpacked, so it unpacks into a
 * folder of this version's own, marked complete only once the unpack has finished.
 */
async function packagedChromium(): Promise<string> {
  const root = projectRoot();
  const { version } = JSON.parse(
    readFileSync(path.join(root, 'node_modules/@sparticuz/chromium/package.json'), 'utf8'),
  ) as { version: string };
  const dir = path.join(os.tmpdir(), `durable-orders-chromium-${version}`);
  const done = path.join(dir, '.unpacked');
  if (!existsSync(done)) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const script = "import('@sparticuz/chromium').then((m) => m.default.executablePath()).then((p) => console.log(p))";
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], {
    cwd: root,
    env: { ...process.env, TMPDIR: dir },
  });
  writeFileSync(done, '');
  return stdout.trim();
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.CHROMIUM_PATH || (await packagedChromium());
  try {
    return await chromium.launch({ executablePath, headless: true, args: FLAGS });
  } catch (err) {
    // Fail, never skip: a browser that cannot start must not pass CI silently.
    throw new Error(`Chromium at ${executablePath} did not start (set CHROMIUM_PATH to another binary)`, {
      cause: err,
    });
  }
}
