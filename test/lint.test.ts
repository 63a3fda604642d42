// The determinism lint covers every file of ours that a workflow bundle loads, as the bundle itself lists them.
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { bundleFlowWorkflows } from '../src/temporal/bundle.js';

const root = join(import.meta.dirname, '..');

/** The project's own files (not node_modules) whose modules a bundle holds, relative to the project. */
async function filesBundledFrom(entry: string): Promise<string[]> {
  const { code } = await bundleFlowWorkflows(join(root, entry));
  const ids = [...code.matchAll(/^\/\*\*\*\/ "\.\/([^"]+)"/gm)].map((match) => match[1] as string);
  return [...new Set(ids)].filter((id) => !id.startsWith('node_modules/') && /\.(ts|js|mjs|cjs)$/.test(id)).sort();
}

/** Whether ESLint applies the workflow rules (no I/O modules, no fetch) to `file`. */
async function lintedAsWorkflowCode(eslint: ESLint, file: string): Promise<boolean> {
  const config = (await eslint.calculateConfigForFile(join(root, file))) as { rules?: Record<string, unknown> };
  const imports = JSON.stringify(config.rules?.['no-restricted-imports'] ?? null);
  const globals = JSON.stringify(config.rules?.['no-restricted-globals'] ?? null);
  return imports.includes('"node:*"') && imports.includes('"openai"') && globals.includes('"fetch"');
}

describe('the determinism lint', () => {
  it.each(['workflows/index.ts', 'test/flows/workflows.ts', 'bench/workflows.ts'])(
    'covers every project file that the bundle of %s loads',
    async (entry) => {
      const eslint = new ESLint({ cwd: root });
      const files = await filesBundledFrom(entry);
      expect(files).toContain('src/core/flow.ts');
      const uncovered: string[] = [];
      for (const file of files) {
        if (!(await lintedAsWorkflowCode(eslint, file))) {
          uncovered.push(file);
        }
      }
      expect(uncovered).toEqual([]);
    },
    60_000,
  );
});
