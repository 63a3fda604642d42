// Starts one real Temporal dev server for the whole integration run, and bundles the test
// workflows and the Recipe Finder's once; each test then uses its own task queue.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startDevServer } from '../../src/temporal/dev-server.js';
import { bundleFlowWorkflows, writeWorkflowBundle } from '../../src/temporal/bundle.js';
import { PREBUILT_BUNDLE, WORKFLOWS_PATH } from '../../workers/recipe-worker.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    workflowBundlePath: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = (message: string) => console.log(`[temporal] ${message}`);
  const external = process.env['TEMPORAL_TEST_ADDRESS'];
  const server = external === undefined ? await startDevServer({ log }) : undefined;
  const address = external ?? (server?.address as string);
  log(`server at ${address}`);
  const dir = mkdtempSync(join(tmpdir(), 'pft-bundle-'));
  const bundlePath = join(dir, 'workflows.js');
  const { code } = await bundleFlowWorkflows(join(import.meta.dirname, '..', 'flows', 'workflows.ts'));
  writeFileSync(bundlePath, code);
  // The Recipe Finder's workers (started by the command line in the tests) take the prebuilt bundle, as in production.
  await writeWorkflowBundle(WORKFLOWS_PATH, PREBUILT_BUNDLE);
  project.provide('temporalAddress', address);
  project.provide('workflowBundlePath', bundlePath);
  return async () => {
    await server?.stop();
  };
}
