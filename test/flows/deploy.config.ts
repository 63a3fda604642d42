// The deploy tests' project for the command line: DEPLOY_TEST_BUILD (1, 2 or 3) says which build this "checkout" is.
import { defineProject } from '../../src/cli/index.js';
import { type DeployBuild, deployFlows } from './deploy.js';

const build = Number(process.env['DEPLOY_TEST_BUILD'] ?? '1') as DeployBuild;

export default defineProject({
  flows: deployFlows(build),
  taskQueue: process.env['TEMPORAL_TASK_QUEUE'] ?? 'deploy-tests',
  workflowsPath: `./deploy-build${build}.ts`,
});
