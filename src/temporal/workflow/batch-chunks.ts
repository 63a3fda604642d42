/**
 * Big batches in child workflows: the items of a batch node past a threshold run in children of a
 * chunk each, so that no history holds more than a chunk's activities; the results come back in
 * input order. Deterministic: chunk ids derive from the run's workflow id, the node, the step and
 * the chunk, so a replayed or retried parent never starts a chunk twice.
 */
import { ApplicationFailure, executeChild, log, workflowInfo } from '@temporalio/workflow';
import { type AnyNode, type ChildBatchOptions, UnknownNodeError } from '../../core/index.js';
import { createRunContext, execItems, mapWithLimit, reachableNodes, RUN } from '../../core/internal.js';
import { BATCH_CHUNK_WORKFLOW_TYPE, type BatchChunkInput } from '../definitions.js';
import { PayloadTooLargeError } from '../errors.js';
import type { FlowRegistry } from '../registry.js';
import { ActivityExecutor, MAX_PAYLOAD_BYTES, payloadBytes } from './activity-executor.js';
import { endingFailure } from './failures.js';

/** The defaults of `temporal.childBatches`. */
export const CHILD_BATCH_DEFAULTS: Required<ChildBatchOptions> = { threshold: 1000, chunkSize: 1000, concurrentChunks: 10 };

/** How a node's big batches are split, or undefined when its batches stay in the run. */
export function childBatchOptions(node: AnyNode): Required<ChildBatchOptions> | undefined {
  const given = node.options.temporal?.childBatches;
  return given === false ? undefined : { ...CHILD_BATCH_DEFAULTS, ...given };
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
    return executeChild(BATCH_CHUNK_WORKFLOW_TYPE, {
      workflowId: `${workflowInfo().workflowId}/${key}/chunk-${index + 1}`,
      args: [input],
      staticSummary: `${node.name}: items ${chunk.offset + 1}-${last} of ${items.length} (chunk ${index + 1} of ${chunks.length})`,
    }) as Promise<unknown[]>;
  };
  log.info(`Node '${node.name}': ${items.length} items in ${chunks.length} child workflows.`, { flow, node: node.name });
  const concurrency = node.batchMode === 'parallel' ? options.concurrentChunks : 1;
  const results = await mapWithLimit(chunks, concurrency, runChunk);
  return results.flat();
}

/**
 * The child workflow of one chunk: the node's exec on each of its items, as in the parent (the
 * same activities, retries, fallback and item numbers), its results in order.
 */
export async function runBatchChunk(registry: FlowRegistry, input: BatchChunkInput): Promise<unknown[]> {
  if (!registry.has(input.flow)) {
    throw endingFailure(new UnknownNodeError(input.flow, input.node, 'This build has no such flow.'));
  }
  const flow = registry.build(input.flow, log);
  const node = reachableNodes(flow).find((n) => n.name === input.node);
  if (node === undefined) {
    throw endingFailure(new UnknownNodeError(input.flow, input.node, 'A chunk of its batch was started by a build that had it.'));
  }
  const step = node.clone();
  step[RUN] = createRunContext({
    executor: new ActivityExecutor(input.flow, flow.options.temporal?.maxPendingActivities),
    logger: log,
  });
  step.setParams(input.params);
  const results = await execItems(step, input.items, input.offset, input.count);
  const bytes = payloadBytes(results);
  if (bytes > MAX_PAYLOAD_BYTES) {
    throw ApplicationFailure.create({
      type: 'PayloadTooLargeError',
      nonRetryable: true,
      message:
        `The results of items ${input.offset + 1}-${input.offset + input.items.length} of node '${input.node}' are ${bytes} bytes, ` +
        `over Temporal's payload limit (about 2 MB). Set a smaller temporal.childBatches.chunkSize on the node, or keep large ` +
        'results outside the flow and return a reference.',
    });
  }
  return results;
}
