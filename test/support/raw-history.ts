/**
 * History as the server stores it, read with the plain `temporal` CLI (what any operator with
 * Temporal access can run), and the payloads found in it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Payload } from '@temporalio/common';
import { resolveTemporalCli } from '../../tools/dev-stack/temporal-cli';

const run = promisify(execFile);

export interface RawPayload {
  metadata?: Record<string, string>;
  data?: string;
}

/** `temporal workflow show --output json`, with `extra` flags (e.g. `--codec-endpoint URL`). */
export async function rawHistory(
  workflowId: string,
  extra: string[] = [],
): Promise<{ text: string; events: unknown[] }> {
  const cli = await resolveTemporalCli({ allowDownload: false });
  if (cli.kind !== 'path') throw new Error('unreachable: download disabled');
  const args = ['workflow', 'show', '--workflow-id', workflowId, '--address', process.env.TEMPORAL_ADDRESS!];
  const { stdout } = await run(cli.path, [...args, '--output', 'json', ...extra]);
  const parsed = JSON.parse(stdout) as { events: unknown[] };
  return { text: stdout, events: parsed.events };
}

/**
 * Every `{metadata, data}` object in a JSON tree: the payloads as the server stores them. Left out:
 * search attributes (the server indexes them, so they are plaintext by design) and the SDK's own
 * bookkeeping of a local activity (localActivityMarkerData below) and of a patch (its id:
 * patchMarkerData). None may hold personal data, which a whole-text search checks.
 */
export function payloadsIn(node: unknown, found: RawPayload[] = []): RawPayload[] {
  if (Array.isArray(node)) node.forEach((n) => payloadsIn(n, found));
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (typeof o.metadata === 'object' && o.metadata !== null && 'encoding' in o.metadata) found.push(o as RawPayload);
    else
      Object.entries(o).forEach(([k, v]) => {
        if (k === 'searchAttributes' || k === 'upsertWorkflowSearchAttributesEventAttributes') return;
        if (k === 'markerRecordedEventAttributes') return payloadsIn(withoutMarkerData(v), found);
        payloadsIn(v, found);
      });
  }
  return found;
}

type MarkerAttributes = { details?: Record<string, unknown> };
function withoutMarkerData(attributes: unknown): unknown {
  const a = attributes as MarkerAttributes;
  if (!a.details) return a;
  const { data: _sdkBookkeeping, 'patch-data': _patchId, ...rest } = a.details;
  return { ...a, details: rest };
}

/** The `patch-data` detail of each patch marker, decoded: the SDK's core writes the patch id as plain JSON. */
export function patchMarkerData(events: unknown[]): Array<Record<string, unknown>> {
  return events.flatMap((e) => {
    const a = (e as { markerRecordedEventAttributes?: MarkerAttributes }).markerRecordedEventAttributes;
    const payloads = (a?.details?.['patch-data'] as { payloads?: RawPayload[] } | undefined)?.payloads ?? [];
    return payloads.map((p) => JSON.parse(fromBase64(p.data).toString()) as Record<string, unknown>);
  });
}

/**
 * The `data` detail of each local-activity marker, decoded. The SDK's core writes it itself, as
 * plain JSON outside the payload codec: the call's sequence number, attempt, activity id and type,
 * and times. The local activity's result is a separate detail and goes through the codec.
 */
export function localActivityMarkerData(events: unknown[]): Array<Record<string, unknown>> {
  return events.flatMap((e) => {
    const a = (e as { markerRecordedEventAttributes?: MarkerAttributes & { markerName?: string } })
      .markerRecordedEventAttributes;
    const payloads = (a?.details?.data as { payloads?: RawPayload[] } | undefined)?.payloads ?? [];
    return payloads.map((p) => JSON.parse(fromBase64(p.data).toString()) as Record<string, unknown>);
  });
}

export const fromBase64 = (s?: string) => Buffer.from(s ?? '', 'base64');

export function asPayload(p: RawPayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, fromBase64(v)])),
    data: fromBase64(p.data),
  };
}

export function toRawPayload(p: Payload): RawPayload {
  return {
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
    data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
  };
}
