// Prints the build id of a workflow bundle entry, as a worker started in this process's folder derives it.
import { bundleFlowWorkflows } from '../../src/temporal/bundle.js';
import { buildIdOfCode } from '../../src/temporal/versioning.js';

const { code } = await bundleFlowWorkflows(process.argv[2] as string);
console.log(buildIdOfCode(code));
