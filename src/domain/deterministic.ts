/**
 * The part of the domain that workflows import: pure code and types, and no zod.
 *
 * Why apart from index.ts: the workflow sandbox keeps a module cache per workflow execution, so
 * every module a workflow imports is evaluated again at each workflow's start. Through index.ts
 * that was zod (95 modules) and every schema built from it, for each order and each shipment;
 * docs/benchmarks.md measures what leaving them out saved. Workflows validate nothing themselves
 * (activities and the client do), so they need none of it. eslint.config.mjs keeps it so.
 */
export * from './task-queues';
export * from './contracts';
export * from './status';
export * from './money';
export * from './rules';
export * from './order-workflow';
export * from './bench';
export * from './plans';
export * from './rule-set';
export * from './shipping-fees';
export * from './backorders';
export * from './settlement';
export * from './decisions';
export * from './returns';
export * from './goodwill';
export * from './partial-cancel';
