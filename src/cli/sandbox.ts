/**
 * `orders sandbox faults [payments|carrier] [--error-rate R] [--latency D] [--outage D]
 * [--transient-rate R --transient-status 429|408|409|425 --retry-after S] | --clear`:
 * faults on demand at a sandbox provider's admin endpoint (PAYMENTS_URL, CARRIER_URL). Without flags it
 * shows what is set and how many faults it injected; without a provider it shows or clears them
 * all. Loopback only: no credentials are involved.
 */
import { carrierUrl, loadConfig, paymentsUrl, type Config } from '../config';
import type { FaultSettings, FaultState } from '../providers/sandbox/faults';
import { invalid, operational } from './errors';
import { EXIT, parseDuration, printJson } from './output';

export interface FaultOptions {
  errorRate?: string;
  latency?: string;
  outage?: string;
  transientRate?: string;
  transientStatus?: string;
  retryAfter?: string;
  clear?: boolean;
  json?: boolean;
}

const PROVIDERS = ['payments', 'carrier'] as const;

const TRANSIENT_STATUSES = [408, 409, 425, 429] as const;

/** A share from 0 to 1, or a problem naming the flag. */
function rateOf(flag: string, value: string | undefined, problems: string[]): number | undefined {
  if (value === undefined) return undefined;
  const rate = Number(value);
  if (/^\d*\.?\d+$/.test(value.trim()) && rate <= 1) return rate;
  problems.push(`${flag}: must be a number from 0 to 1, e.g. 0.3`);
  return undefined;
}

function parseTransient(opts: FaultOptions, settings: FaultSettings, problems: string[]): void {
  settings.transientRate = rateOf('--transient-rate', opts.transientRate, problems);
  if (opts.transientStatus !== undefined) {
    const status = TRANSIENT_STATUSES.find((s) => String(s) === opts.transientStatus?.trim());
    if (status === undefined) problems.push(`--transient-status: must be one of ${TRANSIENT_STATUSES.join(', ')}`);
    else settings.transientStatus = status;
  }
  if (opts.retryAfter !== undefined) {
    const seconds = Number(opts.retryAfter);
    if (!/^\d+$/.test(opts.retryAfter.trim()) || seconds > 3_600)
      problems.push('--retry-after: must be whole seconds from 0 to 3600, e.g. 2');
    else settings.retryAfterS = seconds;
  }
}

function parseSettings(opts: FaultOptions): FaultSettings | 'clear' | undefined {
  const given = [
    opts.errorRate,
    opts.latency,
    opts.outage,
    opts.transientRate,
    opts.transientStatus,
    opts.retryAfter,
  ].some((v) => v !== undefined);
  if (opts.clear) {
    if (given) throw invalid('--clear: cannot be combined with other fault flags');
    return 'clear';
  }
  if (!given) return undefined;
  const problems: string[] = [];
  const settings: FaultSettings = {};
  settings.errorRate = rateOf('--error-rate', opts.errorRate, problems);
  parseTransient(opts, settings, problems);
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
  return Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) as FaultSettings;
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
        `${which}: error rate ${state.errorRate}, latency ${state.latencyMs} ms, outage ${state.outageUntil ? `until ${state.outageUntil}` : 'none'}, ` +
          `not-now rate ${state.transientRate} (HTTP ${state.transientStatus}, Retry-After ${state.retryAfterS} s)`,
      );
      console.log(
        `  injected so far: ${state.injected.errors} errors, ${state.injected.outage} outage refusals, ${state.injected.delayed} delayed calls, ${state.injected.transient} not-now answers`,
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
