// Prebuilds the Recipe Finder's workflow bundle, so that its worker starts without bundling.
import { performance } from 'node:perf_hooks';
import { writeWorkflowBundle } from '../src/worker.js';
import { PREBUILT_BUNDLE, WORKFLOWS_PATH } from '../workers/recipe-worker.js';

const started = performance.now();
await writeWorkflowBundle(WORKFLOWS_PATH, PREBUILT_BUNDLE);
console.log(`Workflow bundle written to ${PREBUILT_BUNDLE.bundlePath} in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
