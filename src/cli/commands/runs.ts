/** `start`, `list`, `status`, `respond` (and `approve`, `reject`): talk to runs on the server; no worker needed here. */
import { inspect } from 'node:util';
import { type Client, WorkflowFailedError } from '@temporalio/client';
import { serialize } from 'superjson';
import { InvalidInputError, PocketFlowError } from '../../core/index.js';
import { AnswerRefusedError, UnknownFlowError } from '../../temporal/errors.js';
import { answerFlow, describeFlowRun, flowResult, getFlowState, startFlow } from '../../temporal/client.js';
import { failingTaskMessage, versioningOfDescription } from '../../temporal/deployments.js';
import { listRuns, quoted } from '../../temporal/visibility.js';
import { FORK_SEARCH_ATTRIBUTE, type FlowRunState, type WaitingRecord, NODE_SEARCH_ATTRIBUTE, WAITING_SEARCH_ATTRIBUTE } from '../../temporal/definitions.js';
import { forkRecordOf, forkSummary } from '../../temporal/lineage.js';
import { requireSearchAttributes } from '../../temporal/search-attributes.js';
import {
  answerHeldByFailingTask,
  recordedPrompt,
  recordedRefusal,
  START_WORKER_COMMAND,
  waitingRecordOf,
  workflowPollers,
} from '../../temporal/waiting.js';
import { type CliContext, flowNameOf, taskQueueOf } from '../context.js';
import { DeadlineError, withDeadline } from '../deadline.js';
import { connect, runLink } from '../server.js';
import { newRunId } from './conversation.js';

/** Starts a run and prints its workflow id. */
export async function startCommand(
  ctx: CliContext,
  flowArg: string | undefined,
  options: { id?: string; shared: object },
): Promise<number> {
  const project = await ctx.needProject('start');
  const flow = flowNameOf(project, flowArg);
  const { client, settings } = await connect();
  const workflowId = options.id ?? newRunId(flow);
  await startFlow(client, { flow, taskQueue: taskQueueOf(project), workflowId, shared: options.shared, flows: project.flows });
  ctx.out(`${workflowId}\n`);
  // The id alone goes to stdout, for scripts; the link is for the person.
  const link = runLink(settings, workflowId);
  if (link !== undefined) {
    process.stderr.write(`Watch it at ${link}\n`);
  }
  return 0;
}

/** Lists the project's flow runs, newest first: on its task queue (every queue with `all`), of one flow, or only those waiting for an answer. */
export async function listCommand(
  ctx: CliContext,
  options: { limit: number; all?: boolean; waiting?: boolean; flow?: string; forksOf?: string },
): Promise<number> {
  const project = await ctx.needProject('list');
  if (options.flow !== undefined && !project.flows.has(options.flow)) {
    throw new UnknownFlowError(options.flow, project.flows.names);
  }
  const { client } = await connect();
  if (options.waiting === true) {
    await requireSearchAttributes(client, 'list --waiting');
  }
  if (options.forksOf !== undefined) {
    await requireSearchAttributes(client, 'list --forks-of');
  }
  // A run's workflow type is its flow's name.
  const types = options.flow === undefined ? project.flows.names : [options.flow];
  const clauses = [`WorkflowType IN (${types.map(quoted).join(', ')})`];
  if (options.all !== true) {
    clauses.push(`TaskQueue = ${quoted(taskQueueOf(project))}`);
  }
  if (options.waiting === true) {
    // A run ended while it waited (terminated, timed out) keeps its last value.
    clauses.push(`${WAITING_SEARCH_ATTRIBUTE.name} = true`, "ExecutionStatus = 'Running'");
  }
  if (options.forksOf !== undefined) {
    clauses.push(`${FORK_SEARCH_ATTRIBUTE.name} = ${quoted(options.forksOf)}`);
  }
  let count = 0;
  const unreadable: string[] = [];
  for await (const run of listRuns(client, clauses.join(' AND '))) {
    if (run.memoError !== undefined) {
      unreadable.push(run.memoError);
    }
    if (count === 0) {
      ctx.out(`ID\tSTATUS\tFLOW\tSTARTED\tNODE${options.waiting === true ? '\tWAITING FOR' : ''}\n`);
    }
    const node = run.typedSearchAttributes.get(NODE_SEARCH_ATTRIBUTE) ?? '';
    // What the run recorded that it waits for: readable with no worker up.
    const prompt = options.waiting === true ? waitingRecordOf(run)?.prompts[0] : undefined;
    const waitingFor = options.waiting !== true ? '' : `\t${prompt === undefined ? '' : `request ${prompt.requestId}: ${prompt.prompt}`}`;
    const fork = forkRecordOf(run);
    const lineage = fork === undefined ? '' : `\t${forkSummary(fork)}`;
    ctx.out(`${run.workflowId}\t${run.status.name}\t${run.type}\t${run.startTime.toISOString()}\t${node}${waitingFor}${lineage}\n`);
    if (++count >= options.limit) {
      break;
    }
  }
  if (count === 0) {
    ctx.out(
      options.forksOf !== undefined
        ? `No forks of ${options.forksOf}.\n`
        : options.waiting === true
          ? 'No run is waiting for an answer.\n'
          : 'No flow runs yet.\n',
    );
  }
  if (unreadable.length > 0) {
    // Listed all the same: only what the memo holds (the prompt waited for, the fork's source) is missing.
    process.stderr.write(`The memo of ${unreadable.length} of these runs is not readable here, so their WAITING FOR and fork columns are empty: ${unreadable[0]}\n`);
  }
  return 0;
}

/** How long a query or update waits for a worker before the command says none answered. */
const WORKER_WAIT_MS = 5000;

/** How long `status` waits for a worker's answer when the run recorded what it waits for. */
const RECORDED_WAIT_MS = 1000;

const noWorker = (queue: string): string =>
  `No worker answered within ${WORKER_WAIT_MS / 1000} s. Start one (${START_WORKER_COMMAND}, task queue '${queue}')`;

/** What `status` says of workers when none can answer, and the state as the run recorded it. */
interface WithoutWorker {
  note: string;
  recorded: WaitingRecord | undefined;
}

/**
 * Prints a run's status, current node, pending prompts, shared store and recent steps (or its
 * result or failure). With no worker up it prints what the run recorded when its wait began.
 */
export async function statusCommand(ctx: CliContext, workflowId: string, options: { json?: boolean }): Promise<number> {
  const { client } = await connect();
  const description = await describeFlowRun(client, workflowId);
  const status = description.status.name;
  const flow = description.type;
  let state: FlowRunState | undefined;
  let result: { shared: object; action: string | undefined; steps: number } | undefined;
  let failure: string | undefined;
  if (status === 'COMPLETED') {
    result = await flowResult(client, workflowId);
  } else if (status === 'FAILED') {
    failure = await flowResult(client, workflowId).then(
      () => undefined,
      (error: unknown) => (error instanceof WorkflowFailedError ? (error.cause?.message ?? error.message) : String(error)),
    );
  }
  const build = versioningOfDescription(description);
  const failingTask = status === 'RUNNING' ? await failingTaskMessage(client, description) : undefined;
  let withoutWorker: WithoutWorker | undefined;
  if (status === 'RUNNING' && failingTask === undefined) {
    // A pinned run is served only by workers of its build.
    const needed = build?.behavior === 'pinned' ? ` of build ${build.buildId} (deployment '${build.deploymentName}')` : '';
    const recorded = waitingRecordOf(description);
    if ((await workflowPollers(client, description.taskQueue)) === 0) {
      withoutWorker = {
        note: `none polls task queue '${description.taskQueue}', so the run waits (as it recorded when its wait began, below). Start one with: ${START_WORKER_COMMAND}`,
        recorded,
      };
    } else {
      // A run that recorded its wait can be shown from the record: a worker gets a short while to answer.
      const wait = (recorded?.prompts.length ?? 0) > 0 ? RECORDED_WAIT_MS : WORKER_WAIT_MS;
      const timedOut =
        `No worker${needed} answered within ${wait / 1000} s` +
        (needed === '' ? '' : `: the run waits for one, or move it to another build with: npx pocketflow-temporal upgrade ${workflowId} --to <build>`);
      state = await withDeadline(getFlowState(client, workflowId), wait, timedOut).catch((error: unknown) => {
        if (!(error instanceof DeadlineError)) {
          throw error;
        }
        withoutWorker = { note: `${timedOut}; below is what the run recorded when its wait began.`, recorded };
        return undefined;
      });
    }
  }
  const shared = result?.shared ?? state?.shared ?? withoutWorker?.recorded?.shared;
  const fork = forkRecordOf(description);
  if (options.json === true) {
    // Plain JSON, as the Web UI shows it: a Date as its ISO string, a Map as pairs, a BigInt as a string.
    const shown = { workflowId, status, flow, fork, build, failingTask, shared, state, result, failure, worker: withoutWorker?.note, recorded: withoutWorker?.recorded };
    ctx.out(`${JSON.stringify(serialize(shown).json, null, 2)}\n`);
    return 0;
  }
  const lines = [`Run:      ${workflowId}`, `Flow:     ${flow}`, `Status:   ${status}`, `Started:  ${description.startTime.toISOString()}`];
  if (fork !== undefined) {
    lines.push(`Fork:     ${forkSummary(fork)}`);
  }
  if (build !== undefined) {
    lines.push(`Build:    ${build.buildId} of deployment '${build.deploymentName}' (${build.behavior}${build.override ? ', moved by upgrade' : ''})`);
  }
  if (failure !== undefined) {
    lines.push(`Failure:  ${failure}`);
  }
  if (failingTask !== undefined) {
    lines.push(
      `Failing:  ${failingTask}`,
      `          The run stays open and retries this step: deploy a fixed build${build?.behavior === 'pinned' ? ` and move the run to it (npx pocketflow-temporal upgrade ${workflowId} --to <build>)` : ''}.`,
    );
  }
  if (result !== undefined) {
    lines.push(`Result:   ${result.action === undefined ? 'finished' : `last action '${result.action}'`} after ${result.steps} steps`);
  }
  if (withoutWorker !== undefined) {
    lines.push(`Worker:   ${withoutWorker.note}`);
  }
  const nodes = state?.currentNodes ?? (withoutWorker?.recorded?.node == null ? [] : [withoutWorker.recorded.node]);
  if (nodes.length > 0) {
    lines.push(`Node:     ${nodes.join(', ')}`);
  }
  const prompts = state?.pending ?? withoutWorker?.recorded?.prompts ?? [];
  for (const prompt of prompts) {
    // Choices the prompt already lists, as in "Accept this recipe? (y/n):", are not repeated.
    const named = prompt.choices === undefined || prompt.prompt.includes(prompt.choices.join('/'));
    const choices = prompt.choices && !named ? ` [${prompt.choices.join('/')}]` : '';
    lines.push(`Waiting:  request ${prompt.requestId} from ${prompt.node}: ${prompt.prompt}${choices}`);
    if (prompt.context !== undefined) {
      lines.push(`Context:  ${prompt.context.replace(/\n/g, '\n          ')}`);
    }
    lines.push(
      `Answer:   npx pocketflow-temporal respond ${workflowId} ${prompt.choices?.[0] ?? '<answer>'} --request ${prompt.requestId}` +
        (withoutWorker === undefined ? '' : ' --signal   (queued, taken when a worker runs)'),
    );
  }
  if (withoutWorker !== undefined && prompts.length === 0) {
    lines.push(withoutWorker.recorded === undefined ? 'Waiting:  nothing the run recorded' : 'Waiting:  for no answer (the run waits for a worker to go on)');
  }
  for (const refused of state?.refused ?? withoutWorker?.recorded?.refused ?? []) {
    lines.push(`Refused:  ${JSON.stringify(refused.answer)}: ${refused.reason}`);
  }
  if (state !== undefined && state.recentSteps.length > 0) {
    lines.push(`Steps:    ${state.recentSteps.map((s) => `${s.node} -> ${s.action ?? 'default'}`).join(', ')}`);
  }
  if (shared !== undefined) {
    const shown = inspect(shared, { depth: 8, breakLength: 100, maxArrayLength: 50, maxStringLength: 2000 });
    lines.push(`Shared:   ${shown.replace(/\n/g, '\n          ')}${state === undefined && result === undefined ? '\n          (as the wait began)' : ''}`);
  } else if (withoutWorker?.recorded?.sharedOmitted !== undefined) {
    lines.push(`Shared:   ${withoutWorker.recorded.sharedOmitted}`);
  }
  for (const place of state?.unportable ?? []) {
    lines.push(`Problem:  the shared store holds ${place.reason} at ${place.path}; the step that wrote it fails when it ends.`);
  }
  ctx.out(`${lines.join('\n')}\n`);
  return 0;
}

/** Answers a run's pending prompt, by update (checked at once) or by signal (queued). */
export async function respondCommand(
  ctx: CliContext,
  workflowId: string,
  answer: string,
  options: { request?: number; signal?: boolean },
): Promise<number> {
  const { client } = await connect();
  const description = await describeFlowRun(client, workflowId);
  if (description.status.name !== 'RUNNING') {
    throw new PocketFlowError(`Run ${workflowId} already finished (${description.status.name}); there is nothing to answer.`);
  }
  if (options.signal === true) {
    // An answer that the waiting prompt's allowed answers can never take is refused here, unsent.
    const prompt = recordedPrompt(waitingRecordOf(description), options.request);
    const refusal = recordedRefusal(prompt, answer);
    if (prompt !== undefined && refusal !== undefined) {
      throw new AnswerRefusedError(workflowId, new InvalidInputError(prompt.node, answer, refusal).message);
    }
    await answerFlow(client, workflowId, answer, { requestId: options.request, wait: 'signal' });
    ctx.out(
      `Queued ${JSON.stringify(answer)} for run ${workflowId}${prompt === undefined ? '' : ` (request ${prompt.requestId}, ${prompt.node})`}; ` +
        'the run takes it when it reaches the prompt, with a worker up. A refusal shows in: npx pocketflow-temporal status ' +
        `${workflowId}\n`,
    );
    return 0;
  }
  if ((await workflowPollers(client, description.taskQueue)) === 0) {
    throw new PocketFlowError(
      `No worker polls task queue '${description.taskQueue}', so no one can check the answer now. Start one (${START_WORKER_COMMAND}), ` +
        'or queue the answer with --signal: the run takes it when a worker runs.',
    );
  }
  const project = await ctx.project();
  const transcript = project?.transcript;
  const noWorkerHint = `${noWorker(description.taskQueue)}, or send the answer with --signal to queue it.`;
  const before = transcript === undefined ? undefined : await withDeadline(getFlowState(client, workflowId), WORKER_WAIT_MS, noWorkerHint);
  const accepted = await withDeadline(
    answerFlow(client, workflowId, answer, { requestId: options.request }),
    WORKER_WAIT_MS,
    noWorkerHint,
  ).catch(async (error: unknown) => {
    // A worker may have taken the answer and then failed the run's task: then a second answer must not be suggested.
    const held = error instanceof DeadlineError ? await answerHeldByFailingTask(client, description) : undefined;
    throw held === undefined ? error : new PocketFlowError(held);
  });
  ctx.out(`Run ${workflowId} accepted ${JSON.stringify(answer)} for request ${accepted?.requestId} (${accepted?.node}).\n`);
  if (transcript !== undefined && before !== undefined && accepted !== undefined) {
    await showWhatFollows(ctx, client, workflowId, accepted.requestId, transcript, transcript(before.shared).length);
  }
  return 0;
}

/** How long `respond` waits for the run's next prompt (or its end) to show what the answer led to. */
const FOLLOW_MS = 5000;

/**
 * After an answer, prints what the run says next (its transcript lines since the answer) and its
 * next prompt, so that the next answer is not given blind; stops at the run's end, or quietly after FOLLOW_MS.
 */
async function showWhatFollows(
  ctx: CliContext,
  client: Client,
  workflowId: string,
  answered: number,
  transcript: (shared: object) => readonly string[],
  shown: number,
): Promise<void> {
  const deadline = Date.now() + FOLLOW_MS;
  while (Date.now() < deadline) {
    const state = await withDeadline(getFlowState(client, workflowId), deadline - Date.now(), '').catch(() => undefined);
    const next = state?.pending.find((prompt) => prompt.requestId > answered);
    if (state !== undefined && (next !== undefined || state.status === 'completed' || state.status === 'failed')) {
      const shared = state.status === 'completed' ? (await flowResult(client, workflowId)).shared : state.shared;
      for (const line of transcript(shared).slice(shown)) {
        ctx.out(`${line}\n`);
      }
      if (next !== undefined) {
        ctx.out(`Waiting:  request ${next.requestId} from ${next.node}: ${next.prompt}\n`);
      }
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}
