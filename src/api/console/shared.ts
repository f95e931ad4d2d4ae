/**
 * What every console page uses: the request's session and form, the page around a body (with the
 * header links the user's role may follow), tables, flashes, and the CSRF field each form carries.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DECISION_ROLES } from '../../domain';
import { principalOfSession, staffIn, type Principal } from '../principal';
import type { StaffSession } from '../staff';
import { html, page, type Html } from './html';
import { READS_MAILBOX } from './mailbox';

declare module 'fastify' {
  interface FastifyRequest {
    staff?: StaffSession & { token: string };
  }
}

export const HTML = 'text/html; charset=utf-8';
export const back = (reply: FastifyReply, to: string) => reply.code(303).header('location', to).send();
export const query = (request: FastifyRequest) => request.query as Record<string, string | undefined>;
export const form = (request: FastifyRequest) => (request.body ?? {}) as Record<string, string | undefined>;
/** Who the page's session is (set by the pages' preHandler). */
export const whoIs = (request: FastifyRequest): Principal => principalOfSession(request.staff!, request.staff!.token);

/** Back to `to` saying what was done, or why it was refused (the page shows it: `flashes`). */
export const backWith = (
  reply: FastifyReply,
  to: string,
  outcome: { ok: true; done: string } | { ok: false; detail: string },
) => back(reply, `${to}?${outcome.ok ? `done=${outcome.done}` : `error=${encodeURIComponent(outcome.detail)}`}`);

/** The page's `done` and `error` (from `backWith`), as the flashes above its body. */
export function flashes(request: FastifyRequest): Html {
  const { done, error } = query(request);
  return html`${done ? html`<p class="flash" role="status">Done: ${done}.</p>` : ''}${
    error ? html`<p class="flash error" role="alert">Refused: ${error}</p>` : ''
  }`;
}

/** The session's CSRF token as a form's hidden field (a post without it is refused). */
export const csrfField = (request: FastifyRequest) =>
  html`<input type="hidden" name="_csrf" value="${request.staff!.csrfToken}" />`;

export function pageFor(request: FastifyRequest, title: string, body: Html, refreshSeconds?: number): string {
  const s = request.staff;
  const who = s ? whoIs(request) : undefined;
  return page(title, body, {
    ...(s && who
      ? {
          user: s,
          csrfToken: s.csrfToken,
          mailbox: staffIn(who, READS_MAILBOX),
          returns: staffIn(who, DECISION_ROLES.inspect),
        }
      : {}),
    ...(refreshSeconds ? { refreshSeconds } : {}),
  });
}

/** A page that only answers `status` with a title and a line (not found, not for this role). */
export const sendRefusalPage = (
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  title: string,
  line: Html,
) =>
  reply
    .code(status)
    .type(HTML)
    .send(pageFor(request, title, line));

export const orderLink = (orderId: string) =>
  html`<a href="/console/orders/${encodeURIComponent(orderId)}">${orderId}</a>`;

/** A section of a page: a heading, then a table of its rows, or what to say when it has none. */
export function section(
  title: string,
  columns: string[],
  rows: Array<Array<Html | string>>,
  none: string,
  caption?: string,
) {
  if (rows.length === 0)
    return html`<h2>${title}</h2>
      <p>${none}</p>`;
  return html`<h2>${title}</h2>
    ${dataTable(columns, rows, { caption })}`;
}

/** A table: a header row of `columns`, a row of cells each; an id for a page's tests and links. */
export function dataTable(
  columns: string[],
  rows: Array<Array<Html | string>>,
  o: { id?: string; caption?: string } = {},
) {
  return html`<table ${o.id ? html`id="${o.id}"` : ''}>
    ${
      o.caption
        ? html`<caption class="muted">
            ${o.caption}
          </caption>`
        : ''
    }
    <thead>
      <tr>
        ${columns.map((c) => html`<th scope="col">${c}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (cells) =>
          html`<tr>
            ${cells.map((c) => html`<td>${c}</td>`)}
          </tr>`,
      )}
    </tbody>
  </table>`;
}

export const minutes = (ms: number) => (ms < 60_000 ? 'under a minute' : `${Math.floor(ms / 60_000)} min`);
export const dueIn = (ms: number) => (ms <= 0 ? 'now (overdue)' : `in ${minutes(ms)}`);
/** `2025-01-02 03:04:05` of an ISO 8601 time (UTC). */
export const utc = (iso: string) => iso.replace('T', ' ').slice(0, 19);
