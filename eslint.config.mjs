// ESLint flat config: `npm run lint` (eslint .).
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

// Node's globals for the few plain .js/.cjs/.mjs files (jest.config.js and the like); the
// TypeScript files get theirs from @types/node, and typescript-eslint turns off no-undef there.
const nodeGlobals = Object.fromEntries(
  [
    'process',
    'console',
    'Buffer',
    'URL',
    'URLSearchParams',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'setImmediate',
    'clearImmediate',
    'queueMicrotask',
    'structuredClone',
    'AbortController',
    'fetch',
  ].map((name) => [name, 'readonly']),
);

const WORKFLOW_SANDBOX =
  "Workflows run in Temporal's deterministic sandbox: do I/O in an activity and call it through proxyActivities.";

const ZOD_PER_WORKFLOW =
  'Workflows import ../src/domain/deterministic only: the sandbox evaluates every imported module again for each ' +
  'workflow execution, and zod and its schemas cost CPU at every start (src/domain/deterministic.ts).';

export default defineConfig([
  globalIgnores(['dist/', 'node_modules/', '.data/', 'test-output/', 'coverage/']),

  js.configs.recommended,
  tseslint.configs.recommended,

  {
    rules: {
      // A leading underscore marks a parameter or binding as deliberately unused.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
    },
  },

  {
    files: ['**/*.{js,cjs}'],
    languageOptions: { sourceType: 'commonjs', globals: nodeGlobals },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module', globals: nodeGlobals },
  },

  // Workflows are bundled into Temporal's deterministic sandbox: no Node built-ins, no database,
  // no client/worker/activity SDK, and of the project's own code only the pure domain layer.
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            // Bare built-in names (fs, path, crypto, os, child_process, net, http, fs/promises, ...).
            ...builtinModules
              .filter((name) => !name.startsWith('_'))
              .map((name) => ({
                name,
                message: `Node built-in '${name}' is not available to workflows. ${WORKFLOW_SANDBOX}`,
              })),
            { name: 'pg', message: `No database access from workflows. ${WORKFLOW_SANDBOX}` },
            { name: 'zod', message: ZOD_PER_WORKFLOW },
          ],
          patterns: [
            {
              group: ['node:*'],
              message: `Node built-ins are not available to workflows. ${WORKFLOW_SANDBOX}`,
            },
            {
              group: ['pg/*', 'pg-*'],
              message: `No database access from workflows. ${WORKFLOW_SANDBOX}`,
            },
            {
              // Every @temporalio package except the two that are safe inside the sandbox
              // (@temporalio/client, worker, activity, testing, proto, envconfig, ...).
              group: [
                '@temporalio/*',
                '!@temporalio/workflow',
                '!@temporalio/workflow/**',
                '!@temporalio/common',
                '!@temporalio/common/**',
              ],
              message: `Only @temporalio/workflow and @temporalio/common may be imported by workflows. ${WORKFLOW_SANDBOX}`,
            },
            {
              // Any relative import that leaves workflows/ other than into src/domain:
              // ../activities/*, ../src/infra/*, ../src/db/*, ../src/cli/*, ../src/config, ../src/logger, ...
              regex: '^\\.\\.(?:/\\.\\.)*/?$|^(?:\\.\\./)+(?!\\.\\./|src/domain(?:/|$))',
              message: `Workflows may import only ../src/domain from outside workflows/. ${WORKFLOW_SANDBOX}`,
            },
            {
              // Of src/domain, only its zod-free part: ../src/domain and its other files bring zod in.
              regex: '^(?:\\.\\./)+src/domain(?:/(?!deterministic$).*)?$',
              message: ZOD_PER_WORKFLOW,
            },
            { group: ['zod/*'], message: ZOD_PER_WORKFLOW },
          ],
        },
      ],
    },
  },
]);
