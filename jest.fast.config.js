/**
 * The fast tier (`npm run test:fast`): the workflows against mocked activities, on the local Temporal
 * test environment (the project's CLI binary), no database. `npm test` runs these files too.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/fast'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs', ignoreDynamic: true } }],
  },
  globalSetup: '<rootDir>/test/fast/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/fast/support/global-teardown.ts',
  testTimeout: 30_000,
  maxWorkers: 1,
};
