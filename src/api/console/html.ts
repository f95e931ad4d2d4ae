/**
 * Server-rendered HTML: a tagged template that escapes every value it is given (escape-html, the
 * one Express uses) unless it is already markup made here. Any text a person or a caller typed
 * (notes, reasons, names) can only ever render as text.
 */
import escapeHtml from 'escape-html';

export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Value = Html | string | number | undefined | null | false | readonly Value[];

function render(value: Value): string {
  if (value === undefined || value === null || value === false) return '';
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return (value as readonly Value[]).map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  return new Html(strings.reduce((out, s, i) => out + s + (i < values.length ? render(values[i]!) : ''), ''));
}

const STYLE = `
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:.6rem 1.2rem;display:flex;gap:1.2rem;align-items:center}
header a{color:#fff}main{max-width:60rem;margin:1.2rem auto;padding:0 1.2rem}
table{border-collapse:collapse;width:100%;background:#fff}th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #dde}
form.inline{display:inline-block;margin:.4rem 1rem .4rem 0;vertical-align:top}label{display:block;font-weight:600;margin:.3rem 0}
input,textarea,button{font:inherit}button{padding:.35rem .9rem;cursor:pointer}.flash{padding:.6rem;background:#fff3cd;border:1px solid #e0c36b}
.error{background:#fde2e1;border-color:#d77}.muted{color:#667}pre{white-space:pre-wrap;background:#fff;padding:.6rem;border:1px solid #dde}:focus-visible{outline:3px solid #3b82f6;outline-offset:2px}`;

/** The page around `body`: a header naming the user, a skip link, and (while an order moves) a refresh. */
export function page(
  title: string,
  body: Html,
  opts: {
    user?: { username: string; role: string };
    csrfToken?: string;
    /** The header links the mailbox page (its readers only). */
    mailbox?: boolean;
    /** The header links the returns waiting for inspection (the warehouse and admins only). */
    returns?: boolean;
    refreshSeconds?: number;
    /** Go on to this same-site path at once (a page that ends a cross-site redirect chain: oidc.ts). */
    next?: string;
  } = {},
): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        ${
          opts.refreshSeconds
            ? html`<noscript><meta http-equiv="refresh" content="${opts.refreshSeconds}" /></noscript>`
            : ''
        }
        ${opts.next ? html`<meta http-equiv="refresh" content="0; url=${opts.next}" />` : ''}
        <title>${title} · durable-orders console</title>
        <link rel="stylesheet" href="/console/style.css" />
      </head>
      <body>
        <a href="#main" class="muted">Skip to content</a>
        <header>
          <strong>durable-orders</strong>${
            opts.user
              ? html`<a href="/console">Inbox</a>${opts.returns ? html`<a href="/console/returns">Returns</a>` : ''}${
                    opts.mailbox ? html`<a href="/console/mailbox">Mailbox</a>` : ''
                  }
                  <span>${opts.user.username} (${opts.user.role})</span>
                  <form method="post" action="/console/logout" class="inline">
                    <input type="hidden" name="_csrf" value="${opts.csrfToken}" /><button>Log out</button>
                  </form>`
              : ''
          }
        </header>
        <main id="main">
          <h1>${title}</h1>
          ${body}
        </main>
      </body>
    </html>`.text;
}

export const STYLESHEET = STYLE;
