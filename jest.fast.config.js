/**
 * The fast tier (`npm run test:fast`): the workflows against mocked activities, on the local Temporal
 * test environment (the project's CLI binary), no database. `npm test` runs these files too.
 * @type {import('jest').Config}
 */
// The same transform and quiet logs as the full run (jest.config.js is CommonJS, as Jest loads it).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { testEnvironment, testMatch, transform, setupFiles } = require('./jest.config');

module.exports = {
  testEnvironment,
  testMatch,
  transform,
  setupFiles,
  roots: ['<rootDir>/test/fast'],
  globalSetup: '<rootDir>/test/fast/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/fast/support/global-teardown.ts',
  testTimeout: 30_000,
  maxWorkers: 1,
};
