/**
 * For the OIDC login test: a company identity provider of the test's own (oidc-provider.mjs, a
 * child process on 127.0.0.1, stopped by its pid), and a browser that is only a cookie jar per
 * origin and a redirect follower (what a person's browser does in this flow, without the pixels).
 */
import net from 'node:net';
import path from 'node:path';
import { ROOT, spawnNodeFile } from './processes';

export interface TestIdp {
  issuer: string;
  stop(): Promise<void>;
}

export interface TestIdpOptions {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** Account name (what the provider's login form takes) → its claims. */
  accounts: Record<string, Record<string, unknown>>;
}

/** A port nothing listens on now: the API's callback URL must be known before the provider starts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startTestIdp(options: TestIdpOptions): Promise<TestIdp> {
  const script = path.join(ROOT, 'test/support/oidc-provider.mjs');
  const child = spawnNodeFile(script, [JSON.stringify(options)], process.env);
  const [, issuer] = await child.waitFor(/issuer (\S+)/, 15_000);
  return {
    issuer: issuer!,
    stop: async () => void (await child.stop('SIGTERM', 5_000)),
  };
}

export interface Visit {
  url: string;
  response: Response;
}

/** Cookies by origin (name → value), sent back to the origin that set them, as a browser does on one site. */
export class CookieBrowser {
  readonly jars = new Map<string, Map<string, string>>();

  jar(url: string): Map<string, string> {
    const origin = new URL(url).origin;
    if (!this.jars.has(origin)) this.jars.set(origin, new Map());
    return this.jars.get(origin)!;
  }

  /** One request, no redirect followed; its cookies kept. */
  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const jar = this.jar(url);
    const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const headers = new Headers(init.headers);
    if (cookie) headers.set('cookie', cookie);
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const name = pair.slice(0, pair.indexOf('='));
      const gone = attributes.some((a) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(a));
      if (gone) jar.delete(name);
      else jar.set(name, pair.slice(pair.indexOf('=') + 1));
    }
    return response;
  }

  /** GETs `url` and follows its redirects, across origins, until an answer that is not one or `stopAt` matches. */
  async follow(url: string, stopAt: (next: string) => boolean = () => false, init: RequestInit = {}): Promise<Visit> {
    let at = url;
    for (let hops = 0; hops < 10; hops++) {
      // The first request as given (a form's POST); a redirect is a GET, as a browser makes it after a 303.
      const response = await this.request(at, hops === 0 ? init : { headers: init.headers });
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location) return { url: at, response };
      const next = new URL(location, at).toString();
      if (stopAt(next)) return { url: next, response };
      at = next;
    }
    throw new Error(`more than 10 redirects from ${url}`);
  }
}
