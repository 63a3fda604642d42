/** `steps` and `fork`: a run's every step, read from its history with no worker up, and a new run started at one of them. */
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { serialize } from 'superjson';
import { PocketFlowError } from '../../core/index.js';
import { type StoreChange } from '../../temporal/definitions.js';
import { forkSummary } from '../../temporal/lineage.js';
import { type FlowRunSteps, flowSteps, forkFlow, HistoryReplayError, type StoreEdit } from '../../temporal/time-travel.js';
import { storeChanges } from '../../temporal/workflow/store-changes.js';
import { type CliContext, UsageError } from '../context.js';
import type { ProjectConfig } from '../project.js';
import { connect, installQuietRuntime } from '../server.js';

/** The project's bundle entry, which the history is replayed with. */
function workflowsPathOf(ctx: CliContext, project: ProjectConfig, command: string): string {
  if (project.workflowsPath === undefined) {
    throw new PocketFlowError(`'${command}' replays the run's history with the workflow code: set workflowsPath in ${ctx.configPath}.`);
  }
  // The replayer's own log goes to the worker log file, not into what the command prints.
  installQuietRuntime();
  return project.workflowsPath;
}

/** Prints every step of a run: number, flow path, node, action, exec input and result, answers, and the store's change (or the whole store). */
export async function stepsCommand(ctx: CliContext, workflowId: string, options: { json?: boolean; store?: boolean }): Promise<number> {
  const project = await ctx.needProject('steps');
  const workflowsPath = workflowsPathOf(ctx, project, 'steps');
  const { client } = await connect();
  const read = await flowSteps(client, workflowId, { workflowsPath });
  if (options.json === true) {
    const { description: _description, ...shown } = read;
    ctx.out(`${JSON.stringify(serialize(shown).json, null, 2)}\n`);
  } else {
    printSteps(ctx, read, options.store === true);
  }
  if (read.problem !== undefined) {
    process.stderr.write(`${new HistoryReplayError(workflowId, read.problem, 'Read its steps').message}\n`);
    return 1;
  }
  return 0;
}

function printSteps(ctx: CliContext, read: FlowRunSteps, wholeStore: boolean): void {
  const runs = read.runIds.length > 1 ? `, in ${read.runIds.length} runs (continued as new)` : '';
  ctx.out(`Run ${read.workflowId}: flow ${read.flow}, ${read.status}, ${read.steps.length} steps${runs}.\n`);
  if (read.fork !== undefined) {
    ctx.out(`It is a ${forkSummary(read.fork)}.\n`);
  }
  for (const step of read.steps) {
    const path = [...step.path.map((at) => (at.paramIndex === undefined ? at.flow : `${at.flow}[${at.paramIndex}]`)), step.node].join(' > ');
    ctx.out(`\nStep ${step.step}  ${path}  -> ${step.action ?? '(no action)'}\n`);
    if (step.items !== undefined) {
      ctx.out(`  exec: ${step.items} items\n`);
    } else {
      for (const exec of step.execs) {
        ctx.out(`  exec: ${short(exec.input)} => ${short(exec.result)}\n`);
      }
    }
    for (const answer of step.answers) {
      ctx.out(`  asked: ${answer.prompt}  answered: ${answer.answer === null ? '(timed out)' : JSON.stringify(answer.answer)}\n`);
    }
    if (wholeStore) {
      ctx.out(`  store: ${inspect(step.after, { depth: 8, breakLength: Infinity, maxArrayLength: 50 })}\n`);
    } else {
      for (const change of storeChanges(step.before, step.after)) {
        ctx.out(`  store: ${changeText(change)}\n`);
      }
    }
    if (step.frames === undefined) {
      ctx.out(`  (inside a parallel batch flow: fork at ${step.forkAt === undefined ? 'a new run' : `step ${step.forkAt}`} instead)\n`);
    }
  }
  if (read.steps.length > 0) {
    ctx.out(`\nFork one with: npx pocketflow-temporal fork ${read.workflowId} --at <step> [--set key=json]\n`);
  }
}

function changeText(change: StoreChange): string {
  const path = change.path.join('.');
  if ('deleted' in change) {
    return `deleted ${path}`;
  }
  if ('appended' in change) {
    return `${path} += ${short(change.appended)}`;
  }
  return `${path} = ${short(change.set)}`;
}

/** A value on one line, cut to a readable length. */
function short(value: unknown): string {
  const text = inspect(value, { depth: 4, breakLength: Infinity, maxArrayLength: 10, maxStringLength: 200 });
  return text.length > 160 ? `${text.slice(0, 159)}…` : text;
}

/** Starts a new run at a step of run `workflowId`, with its store as it was before that step, edited; prints the new run's id. */
export async function forkCommand(
  ctx: CliContext,
  workflowId: string,
  options: { at: number; set?: StoreEdit[]; sharedFile?: string; id?: string; rerun?: 'all' | 'changed'; answers?: 'ask' | 'reuse'; build?: 'current' | 'source' },
): Promise<number> {
  const project = await ctx.needProject('fork');
  const workflowsPath = workflowsPathOf(ctx, project, 'fork');
  const shared = options.sharedFile === undefined ? undefined : storeFile(options.sharedFile);
  const { client } = await connect();
  const started = await forkFlow(client, workflowId, {
    workflowsPath,
    at: options.at,
    ...(shared === undefined ? {} : { shared }),
    ...(options.set === undefined ? {} : { set: options.set }),
    ...(options.id === undefined ? {} : { workflowId: options.id }),
    ...(options.rerun === undefined ? {} : { rerun: options.rerun }),
    ...(options.answers === undefined ? {} : { answers: options.answers }),
    ...(options.build === undefined ? {} : { build: options.build }),
    flows: project.flows,
  });
  ctx.out(`${started.workflowId}\n`);
  process.stderr.write(
    `Started ${started.workflowId}: a ${forkSummary({ of: workflowId, runId: started.source.runIds.at(-1) as string, step: started.step.step, node: started.step.node })}. ` +
      `${workflowId} is left as it was. Follow it with: npx pocketflow-temporal attach ${started.workflowId}\n`,
  );
  return 0;
}

/** The store in a JSON file, for --shared-file. */
function storeFile(path: string): object {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`--shared-file ${path}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`--shared-file ${path} must hold a JSON object (the whole shared store).`);
  }
  return parsed;
}
