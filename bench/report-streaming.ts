/** Benchmark 8 in the report: its summary rows and its section. */
import { EVENT_BATCH_MS } from '../src/temporal/event-publisher.js';
import { num, spread, table, times, verdict } from './markdown.js';
import type { StreamingSummary } from './results.js';
import type { Summary } from './stats.js';
import { APPROVAL_CONDITIONS, APPROVAL_SETTLE_MS, type ApprovalCondition } from './streaming.js';

/** Temporal's history limits: a warning past the first, the run ended at the second. */
const HISTORY_WARN_EVENTS = 10_240;
const HISTORY_LIMIT_EVENTS = 51_200;

/** The rows of benchmark 8 in the summary table (benchmark, measure, ours, baseline, ratio, target). */
export function streamingSummaryRows(s: StreamingSummary): string[][] {
  const t = s.tokenLatency;
  const h = s.history;
  const a = s.approval;
  return [
    [
      '8. token latency, LLM stand-in → `watch --json` line',
      'p50 ms (baseline: stand-in → exec)',
      num(t.printedMs.median),
      num(t.receivedMs.median),
      '',
      'reported, no target',
    ],
    [
      '8. token latency, LLM stand-in → `watch --json` line',
      'p95 ms (baseline: stand-in → exec)',
      num(t.printedMs.p95),
      num(t.receivedMs.p95),
      '',
      'reported, no target',
    ],
    [
      `8. history of a ${h.pieces.toLocaleString('en')}-token reply, streamed`,
      'events (baseline: not streamed)',
      num(h.streamed.events.median, 0),
      num(h.plain.events.median, 0),
      times(h.streamed.events.median / h.plain.events.median),
      `+${num(h.extraEventsPer1000, 0)} events and ${num(h.signalsPer1000, 0)} signals per 1,000 tokens; reported, no target`,
    ],
    [
      `8. answer accepted, streaming + ${a.watchers} watchers`,
      'median ms, answerFlow() → resolved (baseline: quiet run)',
      num(a.sides.busy.answerMs.median),
      num(a.sides.quiet.answerMs.median),
      times(a.ratio),
      verdict(a.ratio, a.target),
    ],
  ];
}

function percentiles(label: string, summary: Summary): string[] {
  return [label, String(summary.n), num(summary.median), num(summary.p95), num(summary.min), num(summary.max)];
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A median with its range, or the one value when there is one. */
function cell(summary: Summary, digits?: number): string {
  return summary.n === 1 ? num(summary.median, digits) : spread(summary, digits);
}

/** A count of tokens, rounded to hundreds: what an extrapolation can say. */
function about(tokens: number): string {
  return Number.isFinite(tokens) ? (Math.round(tokens / 100) * 100).toLocaleString('en') : 'n/a';
}

function latencySection(s: StreamingSummary): string[] {
  const t = s.tokenLatency;
  const perRun = t.perRun.flatMap((run, index) => [
    percentiles(`reply ${index + 1}: stand-in → \`watch --json\` line`, run.printedMs),
    percentiles(`reply ${index + 1}: stand-in → exec`, run.receivedMs),
  ]);
  return [
    '### Token latency',
    '',
    `${plural(t.runs, 'measured reply', 'measured replies')} of ${s.settings.pieces.toLocaleString('en')} tokens, ${s.settings.gapMs} ms apart (after one unmeasured reply of 20 tokens), ${t.runs === 1 ? 'watched' : 'each watched'} by`,
    'one `node bin/pocketflow-temporal.mjs watch <id> --json` child process (`TEMPORAL_ADDRESS` set; through tsx, as in a checkout),',
    'spawned once the run has started. The stand-in holds the reply until that child has printed its first line',
    `(${cell(t.watchStartMs, 0)} ms after spawn), so every token is printed as it arrives, not read back from the run's past.`,
    'Per token: from right after the stand-in wrote its chunk to the socket to the bench process reading the token\'s line from',
    'the child\'s stdout. The floor: from the same write to exec having the token from the `openai` client. One clock,',
    '`performance.now()` of the bench process, which holds the stand-in, the worker and the client. Milliseconds:',
    '',
    table(['measure', 'tokens', 'p50', 'p95', 'min', 'max'], [
      percentiles('stand-in → `watch --json` line, every token', t.printedMs),
      percentiles('stand-in → exec (the floor), every token', t.receivedMs),
      ...(t.perRun.length > 1 ? perRun : []),
    ]),
    '',
    `Reported, no target. ${t.unprinted === 0 ? 'Every token sent was printed.' : `${t.unprinted} tokens sent were never printed.`}`,
    `Nearly all of it, ${num(t.printedMs.median - t.receivedMs.median)} ms at the median, lies between exec and the printed line: the activity sends`,
    `exec's events to the run in batches, one signal per ${EVENT_BATCH_MS} ms (\`EVENT_BATCH_MS\` in src/temporal/event-publisher.ts), so a token`,
    'first waits for its batch to go out; the signal then reaches the run in a workflow task, and the reader sees it at its',
    'next `events` query (between reads, streamFlow waits on the run\'s history by long poll and reads again once a',
    'workflow task has completed).',
    '',
  ];
}

function historySection(s: StreamingSummary): string[] {
  const h = s.history;
  const types = [...new Set([...Object.keys(h.streamed.byTypeOfFirstRun), ...Object.keys(h.plain.byTypeOfFirstRun)])];
  const extraPerToken = h.extraEventsPer1000 / 1000;
  const extraPerSignal = h.extraEventsPer1000 / h.signalsPer1000;
  return [
    '### History cost of streaming',
    '',
    `The same flow and reply (${h.pieces.toLocaleString('en')} tokens, ${s.settings.gapMs} ms apart) with exec calling \`this.stream()\` for each token (the`,
    `watched replies above, ${plural(h.streamed.runs, 'run', 'runs')}) and with exec reading the same tokens without calling it (${plural(h.plain.runs, 'run', 'runs')},`,
    'unwatched, same pace). Events from `client.workflow.getHandle(id).fetchHistory()`; with several runs, cells are median (min–max).',
    '',
    table(['measure', 'streamed', 'not streamed', 'difference per 1,000 tokens'], [
      ['history events', cell(h.streamed.events, 0), cell(h.plain.events, 0), `+${num(h.extraEventsPer1000, 0)}`],
      ['history bytes (encoded)', cell(h.streamed.bytes, 0), cell(h.plain.bytes, 0), `+${num(h.extraBytesPer1000, 0)}`],
      ['signals (WorkflowExecutionSignaled)', cell(h.streamed.signals, 0), '0', `+${num(h.signalsPer1000, 0)}`],
    ]),
    '',
    'Events of one run of each, by type:',
    '',
    table(['event type', 'streamed', 'not streamed'], types.map((type) => [type, String(h.streamed.byTypeOfFirstRun[type] ?? 0), String(h.plain.byTypeOfFirstRun[type] ?? 0)])),
    '',
    `Reported, no target. At this pace a signal carried ${num(h.piecesPerSignal, 1)} tokens and cost ${num(extraPerSignal, 1)} events with the workflow task`,
    `that took it in; the number of batches follows the reply's duration (one per ${EVENT_BATCH_MS} ms while tokens come), not its length.`,
    `At this rate streaming alone takes a run's history past Temporal's warning at ${HISTORY_WARN_EVENTS.toLocaleString('en')} events after about`,
    `${about(HISTORY_WARN_EVENTS / extraPerToken)} tokens, and to its limit of ${HISTORY_LIMIT_EVENTS.toLocaleString('en')} after about ${about(HISTORY_LIMIT_EVENTS / extraPerToken)}.`,
    '',
  ];
}

const CONDITION_LABELS: Record<ApprovalCondition, string> = {
  quiet: 'quiet: nothing else',
  streaming: 'streaming, no readers',
  watched: 'readers, nothing streaming',
  busy: 'busy: streaming and readers',
};

function approvalRow(s: StreamingSummary, condition: ApprovalCondition): string[] {
  const a = s.approval;
  const side = a.sides[condition];
  return [
    CONDITION_LABELS[condition],
    `${side.runs} × ${a.answersPerRun}`,
    spread(side.answerMs),
    num(side.answerMs.p95),
    spread(side.runMedianMs),
    times(a.ratios[condition]),
    `${num(side.stateReadMs.median)} / ${num(side.stateReadMs.p95)}`,
    num(side.signals.median, 0),
    num(side.workflowTasks.median, 0),
    `${num(side.serverCores.median, 2)} / ${num(side.benchCores.median, 2)} / ${num(side.watchersCores.median, 2)}`,
  ];
}

function approvalSection(s: StreamingSummary, cores: number, watchStartMs: number): string[] {
  const a = s.approval;
  const busy = a.sides.busy;
  return [
    '### Answering a run while it streams and is watched',
    '',
    `A run waits for ${a.answersPerRun} answers, one after another (flow \`approval-while-streaming\`: an \`AsyncParallelBatchFlow\` whose param sets`,
    'each walk their own part of the graph; its `ask` part is an `AsyncHumanNode` that asks again until it has every answer).',
    `The client reads the run's state every 10 ms until the next prompt is pending, lets it sit ${APPROVAL_SETTLE_MS} ms, then answers by update`,
    '(`answerFlow`\'s default). Measured: from the call to its resolving, when the run has accepted the answer. Four kinds of run:',
    '',
    '- **quiet**: the run has only its `ask` part; nothing streams and no one watches it.',
    '- **streaming**: the same run with a second param set, `stream`, whose exec (an activity on the same worker) streams a reply',
    `  from the stand-in, a token every ${s.settings.gapMs} ms, for as long as the answers take; the first answer waits until the reply is under way.`,
    `- **readers**: ${a.watchers} readers watch the quiet run: ${a.watchers} \`streamFlow\` iterators, each on a connection of its own, in one separate`,
    '  process (bench/watchers.ts), as that many `watch` commands would read it; the first answer waits until every reader has',
    `  had an event. Not ${a.watchers} \`watch\` processes: one took ${num(watchStartMs, 0)} ms to start above, mostly tsx compiling the command line,`,
    `  and ${a.watchers} would share this machine's ${cores} cores with the worker and the server. The readers' process had its connections open`,
    `  ${num(s.watchersStartMs, 0)} ms after spawn.`,
    '- **busy**: both, the run the target is about.',
    '',
    `One unmeasured busy run with 2 answers first, then ${plural(a.sides.quiet.runs, 'round', 'rounds')} of one run of each kind, each round starting with the next kind.`,
    'Cells: median (min–max). "State reads" are the client\'s state queries while it waits for the next prompt. "CPU cores used"',
    'is each process\'s CPU time over the run\'s wall time (/proc, `process.cpuUsage()`): the dev server, the bench process',
    '(worker, client, stand-in), the readers\' process.',
    '',
    table(
      ['run', 'runs × answers', 'ms, answerFlow() → resolved', 'p95', 'median of each run', 'ratio to quiet', 'state reads, ms: median / p95', 'signals per run', 'workflow tasks per run', 'CPU cores used: server / bench / readers'],
      APPROVAL_CONDITIONS.map((condition) => approvalRow(s, condition)),
    ),
    '',
    `Target busy / quiet ≤ ${a.target.toFixed(2)} on the median answer: ${times(a.ratio)}, ${verdict(a.ratio, a.target)} (p95: ${times(a.p95Ratio)}). The medians of single`,
    `quiet runs alone range over ${num(a.sides.quiet.runMedianMs.min)}–${num(a.sides.quiet.runMedianMs.max)} ms on this shared machine (column "median of each run"): a few milliseconds`,
    'either way move the ratio by tenths.',
    '',
    `The readers are the ones who wait. In the busy runs every reader read at least ${busy.watcherEventsFewest} events, but a token took`,
    `${num(busy.readerLatencyP50Ms.median)} ms at the median and ${num(busy.readerLatencyP95Ms.median)} ms at p95 from the stand-in to a reader (medians over the runs of each run's p50 and`,
    `p95 over all ${a.watchers} readers; epoch ms, \`performance.timeOrigin + performance.now()\`, in the two processes), against`,
    `${num(s.tokenLatency.printedMs.median)} and ${num(s.tokenLatency.printedMs.p95)} ms to the one \`watch\` above; every reader had its first event ${cell(busy.readersReadingMs, 0)} ms after a busy run`,
    `started (${cell(a.sides.watched.readersReadingMs, 0)} ms for a run that does not stream), and the client's own state reads reached ${num(busy.stateReadMs.p95, 0)} ms at p95.`,
    'Why the readers wait, measured by hand outside this run: bench/NOTES-streaming.md.',
    '',
  ];
}

/** Section 8 of the report; `cores` is the machine's. */
export function streamingSection(s: StreamingSummary, cores: number): string {
  return [
    '## 8. Streaming and watching a run',
    '',
    'The flow `reply` is one node whose exec asks an OpenAI-compatible stand-in (bench/llm-stand-in.ts, on 127.0.0.1 in the',
    'bench process) through the `openai` client with `stream: true`, and passes each token of the reply on with `this.stream()`.',
    'The stand-in streams server-sent `chat.completion.chunk` events at a set pace, one token each (`w0 `, `w1 `, ...: a token\'s',
    'index can be read back wherever it shows up). Everything runs on the bench\'s one dev server and worker, after section 5.',
    '',
    ...latencySection(s),
    ...historySection(s),
    ...approvalSection(s, cores, s.tokenLatency.watchStartMs.median),
  ].join('\n');
}

/** Section 8 alone, with its summary rows, as bench/streaming-alone.ts prints it. */
export function streamingReport(s: StreamingSummary, quick: boolean, cores: number): string {
  return [
    `# Benchmark 8 alone${quick ? ' (BENCH_QUICK=1: a wiring check, not a measurement)' : ''}`,
    '',
    table(['benchmark', 'measure', 'ours', 'baseline', 'ratio', 'target'], streamingSummaryRows(s)),
    '',
    streamingSection(s, cores),
  ].join('\n');
}
