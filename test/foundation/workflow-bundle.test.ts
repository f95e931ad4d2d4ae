import { readFileSync } from 'node:fs';

/**
 * The workflow sandbox evaluates every module of the bundle that a workflow imports again for each
 * workflow execution (src/domain/deterministic.ts says why that matters). zod is the heavy one: it
 * must not reach the bundle, directly or through a domain module that a workflow imports.
 */
test('the workflow bundle the tests run carries no zod module', () => {
  const bundlePath = process.env.WORKFLOW_BUNDLE_PATH;
  expect(bundlePath).toBeTruthy(); // set by test/global-setup.ts
  const code = readFileSync(bundlePath!, 'utf8');
  const modules = [...code.matchAll(/"\.\/(?:[^"]*\/)?node_modules\/([^/"]+(?:\/[^/"]+)?)\/[^"]*\.[cm]?js"/g)].map(
    (m) => m[1]!,
  );
  const packages = new Set(modules.map((name) => (name.startsWith('@') ? name : name.split('/')[0]!)));
  expect(packages.has('@temporalio/workflow')).toBe(true); // the probe reads module names at all
  expect([...packages].filter((p) => p === 'zod' || p.startsWith('zod'))).toEqual([]);
  expect(code).not.toMatch(/src\/domain\/(?:order|ids|money-schemas|status-schemas)\.js"/);
});
