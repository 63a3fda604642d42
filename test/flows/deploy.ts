/**
 * Three builds of one project, for the deploy tests: build 2 adds a node before the approval and
 * fixes a post that throws in build 1; build 3 adds a node at the start of the repaired flow.
 */
import { AsyncFlow, AsyncNode } from '../../src/core/index.js';
import { defineFlows } from '../../src/workflow.js';

export type DeployBuild = 1 | 2 | 3;

export type DeployShared = { trail?: string[]; finishedBy?: number; answer?: string; result?: string };

/** An exec activity that adds its name to the trail. */
class Step extends AsyncNode<DeployShared, unknown, string> {
  constructor(name: string) {
    super({ name });
  }
  override async execAsync(): Promise<string> {
    return this.name;
  }
  override async postAsync(shared: DeployShared, _prep: unknown, done: string): Promise<undefined> {
    shared.trail = [...(shared.trail ?? []), done];
    return undefined;
  }
}

/** Waits for a person's yes or no. */
class Approve extends AsyncNode<DeployShared> {
  constructor() {
    super({ name: 'Approve' });
  }
  override async postAsync(shared: DeployShared): Promise<undefined> {
    shared.answer = await this.getUserInput('Ship it? (y/n)', { choices: ['y', 'n'] });
    shared.trail = [...(shared.trail ?? []), 'Approve'];
    return undefined;
  }
}

/** Writes which build finished the run. */
class Finish extends Step {
  constructor(private readonly build: DeployBuild) {
    super('Finish');
  }
  override async postAsync(shared: DeployShared, prep: unknown, done: string): Promise<undefined> {
    shared.finishedBy = this.build;
    return super.postAsync(shared, prep, done);
  }
}

/** Build 1's post reads a field of nothing (a TypeError); later builds fix it. */
class Summarize extends Step {
  constructor(private readonly build: DeployBuild) {
    super('Summarize');
  }
  override async postAsync(shared: DeployShared, prep: unknown, done: string): Promise<undefined> {
    if (this.build === 1) {
      const missing = (shared as { report?: { lines: string[] } }).report;
      shared.result = (missing as { lines: string[] }).lines.join('\n');
    } else {
      shared.result = `summarized by build ${this.build}`;
    }
    return super.postAsync(shared, prep, done);
  }
}

/** Prepare → (Added, from build 2) → Approve → Finish. */
function createApprovalFlow(build: DeployBuild): AsyncFlow<DeployShared> {
  const prepare = new Step('Prepare');
  const approve = new Approve();
  if (build === 1) {
    prepare.next(approve);
  } else {
    prepare.next(new Step('Added')).next(approve);
  }
  approve.next(new Finish(build));
  return new AsyncFlow(prepare);
}

/** (Extra, in build 3) → Gather → Summarize. */
function createRepairFlow(build: DeployBuild): AsyncFlow<DeployShared> {
  const gather = new Step('Gather');
  gather.next(new Summarize(build));
  if (build !== 3) {
    return new AsyncFlow(gather);
  }
  const extra = new Step('Extra');
  extra.next(gather);
  return new AsyncFlow(extra);
}

/** Approve → Finish, the same graph in every build; registered to move to each new current build. */
function createUpgradingFlow(build: DeployBuild): AsyncFlow<DeployShared> {
  const approve = new Approve();
  approve.next(new Finish(build));
  return new AsyncFlow(approve);
}

/** The project's flows as build `build` has them. */
export function deployFlows(build: DeployBuild) {
  return defineFlows({
    'deploy-approval': () => createApprovalFlow(build),
    'deploy-upgrading': { build: () => createUpgradingFlow(build), versioning: 'auto-upgrade' },
    'deploy-repair': () => createRepairFlow(build),
  });
}
