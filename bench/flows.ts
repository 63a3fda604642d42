/** The flows the Temporal benchmarks run, registered for the bench's workflow bundle and worker. */
import { AsyncFlow, AsyncHumanNode, AsyncNode, AsyncParallelBatchFlow, AsyncParallelBatchNode, type Params } from '../src/core/index.js';
import { defineFlows } from '../src/temporal/registry.js';
import { ACTIVITY_TIMEOUT, type BenchServices, CHAIN_STEPS, FAN_OUT_GROUP, noop, type ReplyServices, sleepItem, stampAnswer } from './work.js';

const temporal = { startToCloseTimeout: ACTIVITY_TIMEOUT };

/** The same options, with exec run as a local activity. */
const localTemporal = { startToCloseTimeout: ACTIVITY_TIMEOUT, local: true };

class NoopStep extends AsyncNode {
  override async execAsync(): Promise<undefined> {
    return noop();
  }
}

/** `step-1 → step-2 → ... → step-100`, each exec a no-op activity (a local one when `local`). */
export function createChainFlow(local = false): AsyncFlow {
  const options = local ? localTemporal : temporal;
  const first = new NoopStep({ name: 'step-1', temporal: options });
  let last: NoopStep = first;
  for (let i = 2; i <= CHAIN_STEPS; i++) {
    last = last.next(new NoopStep({ name: `step-${i}`, temporal: options }));
  }
  return new AsyncFlow(first);
}

type FanOutShared = { items: number; done?: number };

class SleepItems extends AsyncParallelBatchNode<FanOutShared, number, number> {
  override async prepAsync(shared: FanOutShared): Promise<number[]> {
    return Array.from({ length: shared.items }, (_, i) => i);
  }

  override async execAsync(item: number): Promise<number> {
    return sleepItem(item);
  }

  override async postAsync(shared: FanOutShared, _items: number[], results: number[]): Promise<undefined> {
    shared.done = results.length;
    return undefined;
  }
}

/** One parallel batch node whose exec waits 100 ms per item. */
export function createFanOutFlow(): AsyncFlow<FanOutShared> {
  return new AsyncFlow(new SleepItems({ name: 'fan-out', temporal }));
}

/** The same node with `FAN_OUT_GROUP` items per activity. */
export function createGroupedFanOutFlow(): AsyncFlow<FanOutShared> {
  return new AsyncFlow(new SleepItems({ name: 'fan-out-grouped', temporal: { ...temporal, itemsPerActivity: FAN_OUT_GROUP } }));
}

type HumanShared = { total: number; answers?: number };

class Ask extends AsyncHumanNode<HumanShared, undefined, string> {
  override async execAsync(): Promise<string> {
    return this.getUserInput('Next?');
  }

  override async postAsync(shared: HumanShared): Promise<undefined> {
    shared.answers = (shared.answers ?? 0) + 1;
    return undefined;
  }
}

class Work extends AsyncNode<HumanShared, number, number, BenchServices> {
  override async prepAsync(shared: HumanShared): Promise<number> {
    return shared.answers ?? 0;
  }

  override async execAsync(answer: number): Promise<number> {
    return stampAnswer(this.services, answer);
  }

  override async postAsync(shared: HumanShared, _answer: number, done: number): Promise<string> {
    return done < shared.total ? 'again' : 'done';
  }
}

class End extends AsyncNode<HumanShared> {}

/** `ask → work --again--> ask`, until `total` answers; `work --done--> end`. */
export function createHumanLoopFlow(): AsyncFlow<HumanShared> {
  const ask = new Ask({ name: 'ask' });
  const work = ask.next(new Work({ name: 'work', temporal }));
  work.on('again', ask);
  work.on('done', new End({ name: 'end' }));
  return new AsyncFlow(ask);
}

/** `key` names the reply the LLM stand-in gives; `stream` says whether exec passes its pieces on. */
type ReplyShared = { key: string; stream: boolean; pieces?: number };

/** Reads the LLM's streamed reply; with `stream`, passes each piece on to whoever watches the run. */
class Reply extends AsyncNode<ReplyShared, ReplyShared, number, ReplyServices> {
  override async prepAsync(shared: ReplyShared): Promise<ReplyShared> {
    return { key: shared.key, stream: shared.stream };
  }

  override async execAsync(asked: ReplyShared): Promise<number> {
    // Not streaming, exec still reads every piece, so that only the publishing differs.
    return this.services.reply(asked.key, asked.stream ? (text) => this.stream(text) : () => {});
  }

  override async postAsync(shared: ReplyShared, _asked: ReplyShared, pieces: number): Promise<undefined> {
    shared.pieces = pieces;
    return undefined;
  }
}

/** One node whose exec reads a streamed LLM reply. */
export function createReplyFlow(): AsyncFlow<ReplyShared> {
  return new AsyncFlow(new Reply({ name: 'reply', temporal }));
}

/** `parts` run side by side: 'ask' waits for `total` answers, one after another; 'stream' streams a reply meanwhile. */
type ApprovalShared = ReplyShared & { parts: string[]; total: number; answers?: number };

class Parts extends AsyncParallelBatchFlow<ApprovalShared> {
  override async prepAsync(shared: ApprovalShared): Promise<Params[]> {
    return shared.parts.map((part) => ({ part }));
  }
}

/** Sends each param set down its own part of the graph. */
class Route extends AsyncNode<ApprovalShared> {
  override async postAsync(): Promise<string> {
    return String(this.params['part']);
  }
}

class Approve extends AsyncHumanNode<ApprovalShared, undefined, string> {
  override async execAsync(): Promise<string> {
    return this.getUserInput('Approve?');
  }

  override async postAsync(shared: ApprovalShared): Promise<string> {
    shared.answers = (shared.answers ?? 0) + 1;
    return shared.answers < shared.total ? 'again' : 'done';
  }
}

/** `route --ask--> approve --again--> approve`, `approve --done--> end`; `route --stream--> reply`. */
export function createApprovalFlow(): AsyncFlow<ApprovalShared> {
  const route = new Route({ name: 'route' });
  const approve = new Approve({ name: 'approve' });
  route.on('ask', approve);
  route.on('stream', new Reply({ name: 'reply', temporal }));
  approve.on('again', approve);
  approve.on('done', new End({ name: 'end' }));
  return new Parts(route);
}

/** Every flow the bench runs on Temporal. */
export const benchFlows = defineFlows({
  chain: () => createChainFlow(),
  'chain-local': () => createChainFlow(true),
  'fan-out': createFanOutFlow,
  'fan-out-grouped': createGroupedFanOutFlow,
  'human-loop': createHumanLoopFlow,
  reply: createReplyFlow,
  'approval-while-streaming': createApprovalFlow,
});
