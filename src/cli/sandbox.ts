/**
 * `orders sandbox faults [payments|carrier] [--error-rate R] [--latency D] [--outage D] | --clear`:
 * faults on demand at a sandbox provider's admin endpoint (PAYMENTS_URL, CARRIER_URL). Without flags it
 * shows what is set and how many faults it injected; without a provider it shows or clears them
 * all. Loopback only: no credentials are involved.
 */
import { carrierUrl, loadConfig, paymentsUrl, type Config } from '../config';
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

const PROVIDERS = ['payments', 'carrier'] as const;

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

type Provider = (typeof PROVIDERS)[number];

/** Without a provider, showing and clearing apply to every provider; injecting names one. */
export async function sandboxFaults(provider: string | undefined, opts: FaultOptions): Promise<number> {
  if (provider !== undefined && !(PROVIDERS as readonly string[]).includes(provider))
    throw invalid(`provider: must be one of ${PROVIDERS.join(', ')}`);
  const settings = parseSettings(opts);
  if (provider === undefined && settings !== undefined && settings !== 'clear')
    throw invalid(`provider: name the provider to inject faults at (${PROVIDERS.join(' or ')})`);
  const targets: Provider[] = provider === undefined ? [...PROVIDERS] : [provider as Provider];
  const results: { provider: Provider; faults: FaultState }[] = [];
  const config = loadConfig();
  for (const which of targets) results.push({ provider: which, faults: await callFaults(config, which, settings) });
  if (opts.json) printJson(results.length === 1 ? results[0] : results);
  else
    for (const { provider: which, faults: state } of results) {
      console.log(
        `${which}: error rate ${state.errorRate}, latency ${state.latencyMs} ms, outage ${state.outageUntil ? `until ${state.outageUntil}` : 'none'}`,
      );
      console.log(
        `  injected so far: ${state.injected.errors} errors, ${state.injected.outage} outage refusals, ${state.injected.delayed} delayed calls`,
      );
    }
  return EXIT.OK;
}

async function callFaults(
  config: Config,
  which: Provider,
  settings: FaultSettings | 'clear' | undefined,
): Promise<FaultState> {
  const base = which === 'carrier' ? carrierUrl(config) : paymentsUrl(config);
  const url = new URL('admin/faults', `${base}/`);
  const envName = which === 'carrier' ? 'CARRIER_URL' : 'PAYMENTS_URL';
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
      `Cannot reach the sandbox ${which} API at ${url.origin} (${(err as Error).message}): is npm start running? (${envName})`,
    );
  }
  const state = (await res.json()) as FaultState & { error?: string };
  if (!res.ok) throw operational(`the sandbox ${which} API answered HTTP ${res.status}: ${state.error ?? ''}`);
  return state;
}
