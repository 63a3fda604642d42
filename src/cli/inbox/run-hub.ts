/**
 * The inbox's live cards: while at least one page is connected, the hub lists the open runs every
 * couple of seconds and reads the events of each run at work through one stream, however many
 * pages show it; it sends every page each card as it changes. With no page connected it reads
 * nothing.
 */
import type { Client } from '@temporalio/client';
import { describeFlowRun } from '../../temporal/client.js';
import { UnknownRunError } from '../../temporal/errors.js';
import { streamFlow } from '../../temporal/event-stream.js';
import { type RunCard, RunState } from './run-card.js';
import { listOpenRuns, recordOf } from './run-list.js';

/** What the hub sends a page. */
export type HubMessage =
  | { type: 'card'; card: RunCard }
  /** The run finished: its card leaves. */
  | { type: 'gone'; workflowId: string }
  /** The runs listed now (a card of another open run leaves), when, and why the list could not be read. */
  | { type: 'listed'; workflowIds: string[]; at: string; problem?: string };

/** A connected page. */
export interface HubClient {
  send(message: HubMessage): void;
}

/** How often the open runs are listed while a page is connected. */
const REFRESH_MS = 2000;

/** How long a run that finished or stopped is not taken from the list again: the list may show it open for a moment. */
const ENDED_GRACE_MS = 10_000;

const GONE_FROM_SERVER = 'The run is no longer on the server.';

interface FollowedRun {
  state: RunState;
  /** The reading of its events, while the run is at work and a page is connected. */
  reader?: { abort: AbortController; done: Promise<void> };
  /** The card as last sent. */
  sent?: string;
  /** Since when the list has not shown the run while it is still open (the list's bound left it out). */
  unlistedSince?: number;
}

/** The hub of one inbox server. */
export class RunHub {
  readonly #client: Client;
  readonly #runLink: ((workflowId: string) => string | undefined) | undefined;
  readonly #clients = new Set<HubClient>();
  readonly #runs = new Map<string, FollowedRun>();
  readonly #endedAt = new Map<string, number>();
  /** The event streams open now, by run. */
  readonly #streams = new Map<string, number>();
  readonly #changed = new Set<string>();
  #flush: NodeJS.Immediate | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** Bumped when the hub stops, so that work begun before is dropped. */
  #generation = 0;
  #listed: { at: string; problem?: string } | undefined;

  constructor(client: Client, runLink?: (workflowId: string) => string | undefined) {
    this.#client = client;
    this.#runLink = runLink;
  }

  /** Adds a page: it gets every card at once, then each change. Returns what removes it. */
  connect(client: HubClient): () => void {
    this.#clients.add(client);
    for (const run of this.#runs.values()) {
      client.send({ type: 'card', card: run.state.card() });
    }
    if (this.#listed !== undefined) {
      client.send(this.#listedMessage());
    }
    if (this.#clients.size === 1) {
      const generation = ++this.#generation;
      void this.#refreshEvery(generation);
    }
    return () => {
      if (this.#clients.delete(client) && this.#clients.size === 0) {
        void this.#stop();
      }
    };
  }

  /** Reads run `workflowId`'s record again now (an answer was sent to it, say). */
  reread(workflowId: string): void {
    if (this.#runs.has(workflowId)) {
      void this.#reread(workflowId, this.#generation);
    }
  }

  /** How many event streams are open now: of run `workflowId`, or of every run. */
  subscriptions(workflowId?: string): number {
    if (workflowId !== undefined) {
      return this.#streams.get(workflowId) ?? 0;
    }
    return [...this.#streams.values()].reduce((sum, count) => sum + count, 0);
  }

  /** Disconnects every page and ends every stream. */
  async close(): Promise<void> {
    this.#clients.clear();
    await this.#stop();
  }

  async #stop(): Promise<void> {
    this.#generation++;
    clearTimeout(this.#timer);
    clearImmediate(this.#flush);
    this.#flush = undefined;
    this.#changed.clear();
    const reading: Array<Promise<void>> = [];
    for (const run of this.#runs.values()) {
      if (run.reader !== undefined) {
        run.reader.abort.abort();
        reading.push(run.reader.done);
      }
    }
    // With no page to show them, the cards would go stale: the next page rebuilds them from the runs.
    this.#runs.clear();
    this.#listed = undefined;
    await Promise.all(reading);
  }

  /** Lists the runs now, then again `REFRESH_MS` after each list, until the hub stops. */
  async #refreshEvery(generation: number): Promise<void> {
    await this.#refresh(generation);
    if (generation === this.#generation) {
      this.#timer = setTimeout(() => void this.#refreshEvery(generation), REFRESH_MS);
    }
  }

  async #refresh(generation: number): Promise<void> {
    let records: Awaited<ReturnType<typeof listOpenRuns>>;
    try {
      records = await listOpenRuns(this.#client);
    } catch (error) {
      if (generation === this.#generation) {
        this.#listed = { at: new Date().toISOString(), problem: `Could not list the runs: ${messageOf(error)}` };
        this.#broadcast(this.#listedMessage());
      }
      return;
    }
    if (generation !== this.#generation) {
      return;
    }
    const now = Date.now();
    for (const [workflowId, at] of this.#endedAt) {
      if (now - at > ENDED_GRACE_MS) {
        this.#endedAt.delete(workflowId);
      }
    }
    const listed = new Set<string>();
    for (const record of records) {
      if (this.#endedAt.has(record.workflowId)) {
        continue;
      }
      listed.add(record.workflowId);
      const run = this.#runs.get(record.workflowId);
      if (run === undefined) {
        this.#runs.set(record.workflowId, { state: new RunState(record, this.#runLink?.(record.workflowId)) });
      } else {
        run.unlistedSince = undefined;
        run.state.takeListed(record);
      }
      this.#reconcile(record.workflowId);
    }
    for (const run of [...this.#runs.values()]) {
      if (generation !== this.#generation) {
        return;
      }
      if (!listed.has(run.state.workflowId)) {
        await this.#checkUnlisted(run, generation);
      }
    }
    if (generation === this.#generation) {
      this.#listed = { at: new Date().toISOString() };
      this.#broadcast(this.#listedMessage());
    }
  }

  /** A run the list no longer shows: finished, stopped, gone, or still open (the list lags, or its bound left it out). */
  async #checkUnlisted(run: FollowedRun, generation: number): Promise<void> {
    const { workflowId } = run.state;
    if (generation !== this.#generation || this.#runs.get(workflowId) !== run) {
      return;
    }
    if (run.state.stopped) {
      // Pages keep a stopped run's card; a page opened from now on does not show it.
      this.#runs.delete(workflowId);
      return;
    }
    let status: string;
    try {
      status = (await describeFlowRun(this.#client, workflowId)).status.name;
    } catch (error) {
      if (error instanceof UnknownRunError && generation === this.#generation) {
        this.#end(run, 'ended', GONE_FROM_SERVER);
      }
      return;
    }
    if (generation !== this.#generation || this.#runs.get(workflowId) !== run) {
      return;
    }
    if (status === 'RUNNING') {
      // Open, but past the list's bound for longer than the list lags: its card leaves, and it is read no more.
      run.unlistedSince ??= Date.now();
      if (Date.now() - run.unlistedSince > ENDED_GRACE_MS) {
        run.reader?.abort.abort();
        this.#runs.delete(workflowId);
        this.#changed.delete(workflowId);
        this.#broadcast({ type: 'gone', workflowId });
      }
      return;
    }
    if (status === 'COMPLETED') {
      this.#finish(run);
    } else if (status === 'FAILED') {
      this.#end(run, 'failed', 'The run failed (its page in the Web UI says why).');
    } else {
      this.#end(run, 'ended', `The run was ${status.toLowerCase().replace(/_/g, ' ')}.`);
    }
  }

  async #reread(workflowId: string, generation: number): Promise<void> {
    try {
      const record = recordOf(await describeFlowRun(this.#client, workflowId));
      const run = this.#runs.get(workflowId);
      if (run !== undefined && generation === this.#generation) {
        run.state.takeDescribed(record);
        this.#reconcile(workflowId);
      }
    } catch (error) {
      const run = this.#runs.get(workflowId);
      if (error instanceof UnknownRunError && run !== undefined && generation === this.#generation) {
        this.#end(run, 'ended', GONE_FROM_SERVER);
      }
      // Otherwise the next list reads the record again.
    }
  }

  /** Reads the run's events while it is at work and a page is connected; stops reading otherwise. */
  #reconcile(workflowId: string): void {
    const run = this.#runs.get(workflowId);
    if (run === undefined) {
      return;
    }
    // A waiting run tells nothing until it is answered, and its card is what it recorded: it is not read meanwhile.
    const follow = this.#clients.size > 0 && !run.state.stopped && !run.state.waiting;
    const reading = run.reader !== undefined && !run.reader.abort.signal.aborted;
    if (follow && !reading) {
      const abort = new AbortController();
      const reader = { abort, done: this.#read(run, abort.signal, run.reader?.done) };
      run.reader = reader;
      void reader.done.finally(() => {
        if (run.reader === reader) {
          run.reader = undefined;
        }
      });
    } else if (!follow && reading) {
      run.reader?.abort.abort();
    }
    this.#markChanged(workflowId);
  }

  /** Reads the run's events from where its state stands, once the reading before (`previous`) ended. */
  async #read(run: FollowedRun, signal: AbortSignal, previous: Promise<void> | undefined): Promise<void> {
    await previous;
    if (signal.aborted) {
      return;
    }
    const { workflowId } = run.state;
    this.#streams.set(workflowId, (this.#streams.get(workflowId) ?? 0) + 1);
    try {
      const events = streamFlow(this.#client, workflowId, {
        from: run.state.next,
        signal,
        onNoWorker: () => {
          run.state.noWorkerAnswered();
          this.#markChanged(workflowId);
        },
      });
      for await (const event of events) {
        if (signal.aborted) {
          return;
        }
        run.state.apply(event);
        this.#markChanged(workflowId);
        if (event.type === 'waiting' || event.type === 'answered') {
          // The prompts and their request ids are in the run's record.
          this.reread(workflowId);
        } else if (event.type === 'run-finished') {
          this.#finish(run);
        } else if (event.type === 'run-failed') {
          this.#endedAt.set(workflowId, Date.now());
        }
      }
    } catch (error) {
      if (!signal.aborted) {
        if (error instanceof UnknownRunError) {
          this.#end(run, 'ended', GONE_FROM_SERVER);
        } else {
          // The next list reads on from here.
          run.state.unreadable(`The run's events could not be read: ${messageOf(error)}`);
          this.#markChanged(workflowId);
        }
      }
    } finally {
      const left = (this.#streams.get(workflowId) ?? 1) - 1;
      if (left === 0) {
        this.#streams.delete(workflowId);
      } else {
        this.#streams.set(workflowId, left);
      }
    }
  }

  /** The run finished: its card leaves every page. */
  #finish(run: FollowedRun): void {
    const { workflowId } = run.state;
    if (this.#runs.get(workflowId) !== run) {
      return;
    }
    run.reader?.abort.abort();
    this.#runs.delete(workflowId);
    this.#changed.delete(workflowId);
    this.#endedAt.set(workflowId, Date.now());
    this.#broadcast({ type: 'gone', workflowId });
  }

  /** The run stopped without finishing: its card says why. */
  #end(run: FollowedRun, status: 'failed' | 'ended', why: string): void {
    if (this.#runs.get(run.state.workflowId) !== run) {
      return;
    }
    run.state.stop(status, why);
    this.#endedAt.set(run.state.workflowId, Date.now());
    this.#reconcile(run.state.workflowId);
  }

  /** Sends the run's card soon: the events read together go out as one card. */
  #markChanged(workflowId: string): void {
    this.#changed.add(workflowId);
    this.#flush ??= setImmediate(() => this.#sendChanged());
  }

  #sendChanged(): void {
    this.#flush = undefined;
    for (const workflowId of this.#changed) {
      const run = this.#runs.get(workflowId);
      if (run === undefined) {
        continue;
      }
      const card = run.state.card();
      const json = JSON.stringify(card);
      if (json !== run.sent) {
        run.sent = json;
        this.#broadcast({ type: 'card', card });
      }
    }
    this.#changed.clear();
  }

  #listedMessage(): HubMessage {
    const workflowIds = [...this.#runs.values()].filter((run) => !run.state.stopped).map((run) => run.state.workflowId);
    return { type: 'listed', workflowIds, at: this.#listed?.at ?? new Date().toISOString(), problem: this.#listed?.problem };
  }

  #broadcast(message: HubMessage): void {
    for (const client of this.#clients) {
      client.send(message);
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
