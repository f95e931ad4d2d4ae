/**
 * How the CLI talks: exit codes, aligned tables for humans, one JSON document for scripts, and the
 * Web UI link every order line carries. No Temporal or database imports here (cheap to load).
 */
import { replaceUnsafeChars } from '../domain/text';

export const EXIT = {
  /** Success. */
  OK: 0,
  /** Operational error: server unreachable, no worker answered, unexpected failure. */
  FAILURE: 1,
  /** Invalid input, or a request the workflow refuses; nothing was started or written. */
  INVALID: 2,
  /** With --wait (and watch): the order ended Cancelled or Refunded. */
  ORDER_FAILED: 3,
  /** `place` refused by admission control: MAX_ORDERS_IN_FLIGHT orders are running; nothing was started. */
  BUSY: 4,
} as const;

/** Prints exactly one JSON document on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

// Values shown to humans come partly from user input (names, notes): never let them move the cursor.
export function clean(text: string): string {
  return replaceUnsafeChars(text);
}

/** A plain aligned table; the last column is not padded (it is usually the link). */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const all = [headers, ...rows].map((r) => r.map((c) => clean(c)));
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** '1,234.50' from a count of cents (for amounts whose currency is not known, e.g. search attributes). */
export function formatCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(cents));
  const major = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${major}.${String(abs % 100).padStart(2, '0')}`;
}

export function formatAmount(cents: number, currency: string | undefined | null): string {
  return currency ? `${formatCents(cents)} ${currency}` : formatCents(cents);
}

/** '3s', '4m 05s', '2h 03m', '1d 04h'. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${String(h % 24).padStart(2, '0')}h`;
}

/** Where the Web UI lives: TEMPORAL_UI_URL, else the local dev server's UI port. */
export function uiBase(config: { TEMPORAL_UI_URL?: string | undefined; TEMPORAL_UI_PORT: number }): string {
  return (config.TEMPORAL_UI_URL ?? `http://localhost:${config.TEMPORAL_UI_PORT}`).replace(/\/+$/, '');
}

export function workflowUrl(base: string, namespace: string, workflowId: string): string {
  return `${base}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** Parses '120s', '2m', '500ms', '1h', '2d' or a bare number of seconds into milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d{1,9})\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!match) return undefined;
  const n = Number(match[1]);
  const unit = match[2] ?? 's';
  const scale: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  const ms = n * scale[unit]!;
  return ms > 0 ? ms : undefined;
}
