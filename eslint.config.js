// Lint: type-aware rules everywhere, the determinism boundary for code the workflow bundle loads,
// and the boundary between the library (src/) and the application that uses it.
import tseslint from 'typescript-eslint';

const nodeOnly = ['node:*', 'fs', 'path', 'os', 'http', 'https', 'net', 'child_process', 'crypto', 'readline', 'openai', '@temporalio/worker', '@temporalio/client', '@temporalio/activity'];
const noIo = nodeOnly.map((group) => ({ group: [group], message: 'Workflow code must not load I/O modules; pass I/O to exec through services.' }));
const noApp = [{ group: ['**/workflows/*', '**/activities/*', '**/workers/*', '**/pocketflow.config*'], message: 'The library must not import the application.' }];
const onlyEntries = [
  {
    group: ['**/src/core/*', '**/src/temporal/*', '**/src/temporal/**', '**/src/terminal/*', '**/src/cli/*', '!**/src/cli/index.js'],
    message: "The application uses the library through its public entries only (src/index.ts, src/workflow.ts, src/worker.ts, src/client.ts, src/cli/index.ts): what a user's project imports as pocketflow-temporal/*.",
  },
];
// Every file a workflow bundle loads; test/lint.test.ts reads the bundles' own module lists and fails when one is missing here.
const workflowCode = [
  'src/core/**/*.ts',
  'src/temporal/workflow/**/*.ts',
  'src/temporal/registry.ts',
  'src/temporal/options.ts',
  'src/temporal/definitions.ts',
  'src/temporal/exec-events.ts',
  'src/temporal/errors.ts',
  'src/temporal/payload-converter.ts',
  'src/temporal/failure-converter.ts',
  'src/temporal/encrypted-payloads.ts',
  'src/workflow.ts',
  'test/flows/table.ts',
  'test/flows/durable.ts',
  'test/flows/registry.ts',
  'test/flows/scale.ts',
  'test/flows/workflows*.ts',
  'bench/definitions.ts',
  'bench/flows.ts',
  'bench/work.ts',
  'bench/workflows.ts',
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'bench/.tmp/', 'bench/results.json', 'bin/', 'test/setup/record-imports.mjs', 'templates/', 'eslint.config.js'] },
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: workflowCode,
    rules: { 'no-restricted-imports': ['error', { patterns: noApp }] },
  },
  {
    files: workflowCode,
    rules: {
      'no-restricted-imports': ['error', { patterns: [...noIo, ...noApp] }],
      'no-restricted-globals': ['error', { name: 'fetch', message: 'No I/O in workflow code.' }],
    },
  },
  {
    // The core is PocketFlow's model: it knows no runtime.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...noIo,
            ...noApp,
            { group: ['@temporalio/*', '**/temporal/**', '**/terminal/**', '**/cli/**'], message: 'The core knows no runtime: a runtime plugs into its seams (executor, input source, observer, control).' },
          ],
        },
      ],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [...noIo, ...onlyEntries] }],
      'no-restricted-globals': ['error', { name: 'fetch', message: 'No I/O in workflow code.' }],
    },
  },
  {
    files: ['activities/**/*.ts', 'workers/**/*.ts', 'pocketflow.config.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: onlyEntries }] },
  },
);
