/**
 * `orders sandbox faults [payments] [--error-rate R] [--latency D] [--outage D] | --clear`: faults on
 * demand at the sandbox payment provider (its admin endpoint, PAYMENTS_URL). Without flags it shows
 * what is set and how many faults it injected. Loopback only: no credentials are involved.
 */
import { loadConfig, paymentsUrl } from '../config';
import type { FaultSettings, FaultState } from '../infra/sandbox-faults';
import { invalid, operational } from './errors';
import { EXIT, parseDuration, printJson } from './output';

export interface FaultOptions {
  errorRate?: string;
  latency?: string;
  outage?: string;
  clear?: boolean;
  json?: boolean;
}

const PROVIDERS = ['payments'];

function parseSettings(opts: FaultOptions): FaultSettings | 'clear' | undefined {
  const given = [opts.errorRate, opts.latency, opts.outage].some((v) => v !== undefined);
  if (opts.clear) {
    if (given) throw invalid('--clear: cannot be combined with --error-rate, --latency or --outage');
    return 'clear';
  }
  if (!given) return undefined;
  const problems: string[] = [];
  const settings: FaultSettings = {};
  if (opts.errorRate !== undefined) {
    const rate = Number(opts.errorRate);
    if (!/^\d*\.?\d+$/.test(opts.errorRate.trim()) || rate > 1)
      problems.push('--error-rate: must be a number from 0 to 1, e.g. 0.3');
    else settings.errorRate = rate;
  }
  for (const [flag, value, key, max] of [
    ['--latency', opts.latency, 'latencyMs', 60_000],
    ['--outage', opts.outage, 'outageMs', 3_600_000],
  ] as const) {
    if (value === undefined) continue;
    const ms = value.trim() === '0' ? 0 : parseDuration(value);
    if (ms === undefined || ms > max)
      problems.push(`${flag}: must be a duration up to ${max / 1000}s, e.g. 2s or 500ms`);
    else settings[key] = ms;
  }
  if (problems.length) throw invalid(`invalid faults: ${problems.join('; ')}`);
  return settings;
}

export async function sandboxFaults(provider: string | undefined, opts: FaultOptions): Promise<number> {
  if (provider !== undefined && !PROVIDERS.includes(provider))
    throw invalid(`provider: must be one of ${PROVIDERS.join(', ')} (the sandbox carrier has no faults yet)`);
  const settings = parseSettings(opts);
  const url = new URL('admin/faults', `${paymentsUrl(loadConfig())}/`);
  let res: Response;
  try {
    res = await fetch(url, {
      method: settings === undefined ? 'GET' : settings === 'clear' ? 'DELETE' : 'POST',
      headers: { 'Content-Type': 'application/json' },
      ...(settings && settings !== 'clear' ? { body: JSON.stringify(settings) } : {}),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    throw operational(
      `Cannot reach the sandbox payments API at ${url.origin} (${(err as Error).message}): is npm start running? (PAYMENTS_URL)`,
    );
  }
  const state = (await res.json()) as FaultState & { error?: string };
  if (!res.ok) throw operational(`the sandbox payments API answered HTTP ${res.status}: ${state.error ?? ''}`);
  if (opts.json) printJson({ provider: 'payments', faults: state });
  else {
    console.log(
      `payments: error rate ${state.errorRate}, latency ${state.latencyMs} ms, outage ${state.outageUntil ? `until ${state.outageUntil}` : 'none'}`,
    );
    console.log(
      `  injected so far: ${state.injected.errors} errors, ${state.injected.outage} outage refusals, ${state.injected.delayed} delayed calls`,
    );
  }
  return EXIT.OK;
}
