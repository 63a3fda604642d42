// Lint: type-aware rules everywhere, and the determinism boundary for code the workflow bundle loads.
import tseslint from 'typescript-eslint';

const nodeOnly = ['node:*', 'fs', 'path', 'os', 'http', 'https', 'net', 'child_process', 'crypto', 'openai', '@temporalio/worker', '@temporalio/client', '@temporalio/activity'];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'bench/results.json', 'src/cli/bin.mjs', 'eslint.config.js'] },
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['workflows/**/*.ts', 'src/core/**/*.ts', 'src/recipe/flow.ts', 'src/recipe/flows.ts', 'src/temporal/workflow.ts', 'src/temporal/registry.ts', 'src/temporal/definitions.ts', 'src/workflow.ts', 'test/flows/table.ts', 'test/flows/durable.ts', 'test/flows/registry.ts', 'test/flows/workflows*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: nodeOnly.map((group) => ({ group: [group], message: 'Workflow code must not load I/O modules; pass I/O to exec through services.' })) }],
      'no-restricted-globals': ['error', { name: 'fetch', message: 'No I/O in workflow code.' }],
    },
  },
);
