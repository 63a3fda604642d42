// A project file for the command line over the test flows: the CLI is not tied to the Recipe Finder.
import { defineProject } from '../../src/cli/index.js';
import { testFlows } from './registry.js';

export default defineProject({
  flows: testFlows,
  taskQueue: 'test-project',
  defaultFlow: 'human-input',
  answers: { approve: 'y', reject: 'n' },
  // What steps and fork replay histories with.
  workflowsPath: './workflows.ts',
});
