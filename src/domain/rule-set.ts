/**
 * Business rules as data (issue 12): how much needs approval and who may approve it, which orders
 * the risk rules refuse, and what shipping costs. Operators change them with `orders rules set`;
 * an order loads the current rule set once, at its start, and keeps that version to the end.
 * Pure and zod-free (workflows evaluate the approval rules); rule-set-schemas.ts validates.
 */
import type { ReturnRules } from './returns';
import { DEFAULT_SHIPPING_FEES } from './shipping-fees';

export interface ApprovalBand {
  /** Orders totalling at least this much (minor units) need one of `approvers`. */
  fromCents: number;
  /** Empty: the workers' configured approvers (APPROVERS). */
  approvers: string[];
}

export interface RuleSet {
  approval: {
    /** Orders at or above this total wait for a human approver. */
    thresholdCents: number;
    /** Who may approve which amounts, above the threshold; the highest band reached applies. */
    bands: ApprovalBand[];
  };
  risk: {
    /** Customer ids refused outright, and prefixes (the demo's `blocked-`). */
    blockedCustomers: string[];
    blockedCustomerPrefixes: string[];
    /** ISO 3166-1 alpha-2 codes refused as shipping destinations. */
    blockedCountries: string[];
    /** No single order above this total; null: no limit. */
    maxOrderCents: number | null;
    /** A customer's first order may not exceed this total; null: no limit. */
    firstOrderMaxCents: number | null;
    /** At most `maxOrders` orders per customer within `windowHours`; null: no limit. */
    velocity: { maxOrders: number; windowHours: number } | null;
  };
  shipping: { standardCents: number; expressCents: number; freeStandardFromCents: number };
  /** Return windows and refund rules (issue 29); absent from rule sets saved before: DEFAULT_RETURN_RULES. */
  returns?: ReturnRules;
}

/** The rule set an order ran under: version 0 is the built-in defaults (nothing saved for the scope). */
export interface RuleSetVersion {
  version: number;
  rules: RuleSet;
}

export function defaultRuleSet(approvalThresholdCents: number): RuleSet {
  return {
    approval: { thresholdCents: approvalThresholdCents, bands: [] },
    risk: {
      blockedCustomers: [],
      blockedCustomerPrefixes: ['blocked-'],
      blockedCountries: [],
      maxOrderCents: null,
      firstOrderMaxCents: null,
      velocity: null,
    },
    shipping: { ...DEFAULT_SHIPPING_FEES },
  };
}

/** Who may approve an order of this total: the highest band it reaches, else the configured approvers. */
export function approversFor(totalCents: number, rules: RuleSet, configured: readonly string[]): string[] {
  const band = [...rules.approval.bands]
    .sort((a, b) => b.fromCents - a.fromCents)
    .find((b) => totalCents >= b.fromCents && b.approvers.length > 0);
  return band ? [...band.approvers] : [...configured];
}

/** What the risk rules need to know of an order and its customer (gathered from the database). */
export interface RiskFacts {
  customerId: string;
  totalCents: number;
  country: string;
  /** The customer's orders before this one, in all time and within the velocity window. */
  previousOrders: number;
  ordersInWindow: number;
}

export type RiskVerdict = { ok: true } | { ok: false; reason: 'fraud-suspected'; detail: string };

/** The first rule an order breaks, if any; details name the rule, never personal data. */
export function assessRisk(facts: RiskFacts, risk: RuleSet['risk']): RiskVerdict {
  const refuse = (detail: string): RiskVerdict => ({ ok: false, reason: 'fraud-suspected', detail });
  const id = facts.customerId.toLowerCase();
  if (risk.blockedCustomers.some((c) => c.toLowerCase() === id))
    return refuse(`customer ${facts.customerId} is on the block list`);
  if (risk.blockedCustomerPrefixes.some((p) => id.startsWith(p.toLowerCase())))
    return refuse(`customer ${facts.customerId} is on the block list`);
  if (risk.blockedCountries.includes(facts.country)) return refuse(`shipping to ${facts.country} is blocked`);
  if (risk.maxOrderCents !== null && facts.totalCents > risk.maxOrderCents)
    return refuse(`the total is above the ${risk.maxOrderCents} limit for one order`);
  if (risk.firstOrderMaxCents !== null && facts.previousOrders === 0 && facts.totalCents > risk.firstOrderMaxCents)
    return refuse(`a first order may not exceed ${risk.firstOrderMaxCents}`);
  if (risk.velocity && facts.ordersInWindow >= risk.velocity.maxOrders)
    return refuse(`more than ${risk.velocity.maxOrders} orders within ${risk.velocity.windowHours} h`);
  return { ok: true };
}
