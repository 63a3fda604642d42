/**
 * Big batches in child workflows: the items of a batch node past a threshold run in children of a
 * chunk each, so that no history holds more than a chunk's activities; the results come back in
 * input order. Deterministic: chunk ids derive from the run's workflow id, the node, the step and
 * the chunk, so a replayed or retried parent never starts a chunk twice.
 */
import { ApplicationFailure, executeChild, log, workflowInfo } from '@temporalio/workflow';
import { deserialize, serialize } from 'superjson';
import { type AnyFlow, type AnyNode, Flow, type InputSource, type Params } from '../../core/index.js';
import { createRunContext, execItems, mapWithLimit, reachableNodes, stepOf, walkParamSets } from '../../core/internal.js';
import {
  BATCH_CHUNK_WORKFLOW_TYPE,
  type BatchChunkInput,
  type BatchChunkWorkflow,
  type BatchFlowChunkWorkflow,
  FLOW_CHUNK_WORKFLOW_TYPE,
  type FlowChunkInput,
  type StoreChange,
} from '../definitions.js';
import { PayloadTooLargeError, UnknownNodeError } from '../errors.js';
import type { ChildBatchOptions } from '../options.js';
import type { FlowRegistry } from '../registry.js';
import { ActivityExecutor, MAX_PAYLOAD_BYTES, payloadBytes } from './activity-executor.js';
import { endingFailure, FailedSteps } from './failures.js';
import { applyStoreChanges, conflictingChange, storeChanges } from './store-changes.js';

/**
 * The defaults of `temporal.childBatches` for batch nodes (items) and for batch flows (param sets,
 * each a walk). A batch node's items run in children unless it says `false`: their results are the
 * same wherever they run. A batch flow's param sets only when it sets the option, since chunks
 * walk on copies of the store.
 */
export const CHILD_BATCH_DEFAULTS: Readonly<Record<'node' | 'flow', Required<ChildBatchOptions>>> = {
  node: { threshold: 1000, chunkSize: 1000, concurrentChunks: 10 },
  flow: { threshold: 100, chunkSize: 100, concurrentChunks: 10 },
};

/** How a batch node's or batch flow's big batches are split, or undefined when they stay in the run. */
export function childBatchOptions(node: AnyNode): Required<ChildBatchOptions> | undefined {
  const given = node.options.temporal?.childBatches;
  if (given === false || (given === undefined && node instanceof Flow) || node.waitsForPerson) {
    return undefined;
  }
  return { ...CHILD_BATCH_DEFAULTS[node instanceof Flow ? 'flow' : 'node'], ...given };
}

/** Splits `items` into chunks of at most `size` items whose input payload stays under Temporal's limit. */
export function chunksOf(node: AnyNode, items: readonly unknown[], size: number): Array<{ offset: number; items: unknown[] }> {
  const chunks: Array<{ offset: number; items: unknown[] }> = [];
  const split = (offset: number, part: unknown[]): void => {
    if (part.length > 1 && payloadBytes(part) > MAX_PAYLOAD_BYTES) {
      const half = Math.ceil(part.length / 2);
      split(offset, part.slice(0, half));
      split(offset + half, part.slice(half));
      return;
    }
    chunks.push({ offset, items: part });
  };
  for (let offset = 0; offset < items.length; offset += size) {
    split(offset, items.slice(offset, offset + size));
  }
  for (const chunk of chunks) {
    const bytes = chunk.items.length === 1 ? payloadBytes(chunk.items) : 0;
    if (bytes > MAX_PAYLOAD_BYTES) {
      throw new PayloadTooLargeError(node.name, bytes);
    }
  }
  return chunks;
}

/**
 * Runs a batch node's items in child workflows, a chunk each (one after another for a sequential
 * batch, `concurrentChunks` at once for a parallel one), and returns the results in input order.
 */
export async function runInChildren(
  flow: string,
  node: AnyNode,
  items: readonly unknown[],
  options: Required<ChildBatchOptions>,
  key: string,
): Promise<unknown[]> {
  const chunks = chunksOf(node, items, options.chunkSize);
  const runChunk = (chunk: { offset: number; items: unknown[] }, index: number): Promise<unknown[]> => {
    const input: BatchChunkInput = { flow, node: node.name, params: node.params, items: chunk.items, offset: chunk.offset, count: items.length };
    const last = chunk.offset + chunk.items.length;
    return executeChild<BatchChunkWorkflow>(BATCH_CHUNK_WORKFLOW_TYPE, {
      workflowId: `${workflowInfo().workflowId}/${key}/chunk-${index + 1}`,
      args: [input],
      staticSummary: `${node.name}: items ${chunk.offset + 1}-${last} of ${items.length} (chunk ${index + 1} of ${chunks.length})`,
    });
  };
  log.info(`Node '${node.name}': ${items.length} items in ${chunks.length} child workflows.`, { flow, node: node.name });
  const results = await mapWithLimit(chunks, chunksAtOnce(node, options), runChunk);
  return results.flat();
}

/**
 * The child workflow of one chunk: the node's exec on each of its items, as in the parent (the
 * same activities, retries, fallback and item numbers), its results in order.
 */
export async function runBatchChunk(registry: FlowRegistry, input: BatchChunkInput, failed: FailedSteps): Promise<unknown[]> {
  const step = chunkStep(registry, input, false, failed);
  step.setParams(input.params);
  try {
    const results = await execItems(step, input.items, input.offset, input.count);
    return returnable(results, `The results of items ${input.offset + 1}-${input.offset + input.items.length} of node '${input.node}'`);
  } catch (error) {
    failed.onStepError(step, error);
    throw error;
  }
}

/**
 * The step a chunk runs (the batch node, or the batch flow: the registered flow itself when
 * `root`), with a run of its own; a build that lacks it ends the chunk.
 */
function chunkStep(
  registry: FlowRegistry,
  input: { flow: string; node: string },
  root: boolean,
  failed: FailedSteps,
  inputSource?: InputSource,
): AnyNode {
  if (!registry.has(input.flow)) {
    throw endingFailure(new UnknownNodeError(input.flow, input.node, 'This build has no such flow.'));
  }
  const flow = registry.build(input.flow, log);
  const node = root ? flow : reachableNodes(flow).find((n) => n.name === input.node);
  if (node === undefined) {
    throw endingFailure(new UnknownNodeError(input.flow, input.node, 'A chunk of its batch was started by a build that had it.'));
  }
  return stepOf(
    node,
    createRunContext({
      executor: new ActivityExecutor(input.flow, { maxPending: registry.runOptionsOf(input.flow).maxPendingActivities }),
      input: inputSource,
      logger: log,
      observer: failed,
    }),
  );
}

/** A chunk's result, unless its payload would pass Temporal's limit: then a failure that says what to set. */
function returnable<T>(value: T, what: string): T {
  const bytes = payloadBytes(value);
  if (bytes > MAX_PAYLOAD_BYTES) {
    throw ApplicationFailure.create({
      type: 'PayloadTooLargeError',
      nonRetryable: true,
      message:
        `${what} come to ${bytes} bytes, over Temporal's payload limit (about 2 MB). Set a smaller ` +
        'temporal.childBatches.chunkSize, or keep large data outside the flow and pass references.',
    });
  }
  return value;
}

/**
 * Walks a batch flow's graph for its param sets in child workflows, a chunk each. A sequential
 * batch flow's chunks run in turn, each from the store as the chunks before left it; a parallel
 * one's run at once, each from the store as it was when the batch began. Each chunk returns what
 * it changed, merged into the run's store in param-set order.
 */
export async function walkInChildren(
  flowName: string,
  flow: AnyFlow,
  isRoot: boolean,
  shared: Record<string, unknown>,
  paramSets: readonly Params[],
  options: Required<ChildBatchOptions>,
  key: string,
): Promise<void> {
  const chunks: Array<{ offset: number; paramSets: Params[] }> = [];
  for (let offset = 0; offset < paramSets.length; offset += options.chunkSize) {
    chunks.push({ offset, paramSets: paramSets.slice(offset, offset + options.chunkSize) });
  }
  const start = (chunk: { offset: number; paramSets: Params[] }, index: number, from: object): Promise<StoreChange[]> => {
    const input: FlowChunkInput = {
      flow: flowName,
      node: flow.name,
      root: isRoot,
      params: flow.params,
      paramSets: chunk.paramSets,
      offset: chunk.offset,
      count: paramSets.length,
      shared: from,
    };
    const last = chunk.offset + chunk.paramSets.length;
    return executeChild<BatchFlowChunkWorkflow>(FLOW_CHUNK_WORKFLOW_TYPE, {
      workflowId: `${workflowInfo().workflowId}/${key}/chunk-${index + 1}`,
      args: [input],
      staticSummary: `${flow.name}: param sets ${chunk.offset + 1}-${last} of ${paramSets.length} (chunk ${index + 1} of ${chunks.length})`,
    });
  };
  log.info(`Batch flow '${flow.name}': ${paramSets.length} param sets in ${chunks.length} child workflows.`, { flow: flowName, node: flow.name });
  if (flow.batchMode === 'sequential') {
    for (const [index, chunk] of chunks.entries()) {
      applyStoreChanges(shared, await start(chunk, index, shared));
    }
    return;
  }
  const snapshot = copyOf(shared);
  const changes = await mapWithLimit(chunks, chunksAtOnce(flow, options), (chunk, index) => start(chunk, index, snapshot));
  const conflict = conflictingChange(changes);
  if (conflict !== undefined) {
    const [first, second] = conflict.parts.map((i) => `${(chunks[i]?.offset ?? 0) + 1}-${(chunks[i]?.offset ?? 0) + (chunks[i]?.paramSets.length ?? 0)}`);
    throw ApplicationFailure.create({
      type: 'StoreConflictError',
      nonRetryable: true,
      message:
        `Param sets ${first} and ${second} of batch flow '${flow.name}' ran in different child workflows and both changed ` +
        `$.${conflict.path.join('.')} in the shared store, so neither change can be kept without losing the other. Write a key ` +
        `per param set (or append to a list), or set temporal.childBatches: false on the batch flow to walk its param sets in the run.`,
    });
  }
  for (const part of changes) {
    applyStoreChanges(shared, part);
  }
}

/**
 * The child workflow of one chunk of a batch flow: its graph walked for each of the chunk's param
 * sets (in turn, or at once, as the flow's batch mode says), and what the walks changed in the store.
 */
export async function runFlowChunk(registry: FlowRegistry, input: FlowChunkInput, failed: FailedSteps): Promise<StoreChange[]> {
  const step = chunkStep(registry, input, input.root, failed, {
    ask(request) {
      return Promise.reject(
        ApplicationFailure.create({
          type: 'NoInputSourceError',
          nonRetryable: true,
          message:
            `Node '${request.node}' asks a person inside batch flow '${input.node}', whose param sets run in child workflows, ` +
            'where no answer can reach it. Drop temporal.childBatches on the batch flow to walk them in the run.',
        }),
      );
    },
  });
  if (!(step instanceof Flow)) {
    throw endingFailure(new UnknownNodeError(input.flow, input.node, 'This build has a node of that name that is no batch flow.'));
  }
  const shared = input.shared as Record<string, unknown>;
  const before = copyOf(shared);
  step.setParams({ ...step.params, ...input.params });
  await walkParamSets(step, shared, input.paramSets);
  const last = input.offset + input.paramSets.length;
  return returnable(storeChanges(before, shared), `What param sets ${input.offset + 1}-${last} of batch flow '${input.node}' changed in the store`);
}

/**
 * How many chunks run at once: one for a sequential batch; for a parallel one `concurrentChunks`,
 * fewer where the node's `maxConcurrency` bounds the items (or walks) running at once across chunks.
 */
function chunksAtOnce(node: AnyNode, options: Required<ChildBatchOptions>): number {
  if (node.batchMode !== 'parallel') {
    return 1;
  }
  const max = node.options.maxConcurrency;
  return max === undefined ? options.concurrentChunks : Math.min(options.concurrentChunks, Math.max(1, Math.floor(max / options.chunkSize)));
}

/** A deep copy of a store, exact for every value a store may hold. */
function copyOf<T>(value: T): T {
  return deserialize<T>(serialize(value));
}
