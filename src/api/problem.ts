/** RFC 9457 problem details: every error the API answers, naming what was wrong. */
import type { FastifyReply } from 'fastify';

export function sendProblem(
  reply: FastifyReply,
  status: number,
  title: string,
  detail?: string,
  extra: Record<string, unknown> = {},
): FastifyReply {
  return reply
    .code(status)
    .type('application/problem+json')
    .send({ type: 'about:blank', title, status, ...(detail ? { detail } : {}), ...extra });
}

/** What an action through the API came to: its answer, or why not (the problem to send). */
export type Outcome<V> =
  { ok: true; view: V } | { ok: false; status: 403 | 404 | 409 | 503; title: string; detail: string };

/** The outcome as the API answers it: the view (200), or its problem. */
export function sendOutcome<V>(reply: FastifyReply, outcome: Outcome<V>): FastifyReply | V {
  return outcome.ok ? outcome.view : sendProblem(reply, outcome.status, outcome.title, outcome.detail);
}

export const refused = (status: 403 | 404 | 409 | 503, title: string, detail: string): Outcome<never> => ({
  ok: false,
  status,
  title,
  detail,
});
