/**
 * The inbox's page and its script: plain HTML and browser JavaScript, served as they are (no build
 * step, no inline script, so the page's Content-Security-Policy can be `default-src 'self'`).
 */

/** The page; `__TOKEN__` is replaced by the server's token, which answers and the live cards need. */
export const INBOX_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="inbox-token" content="__TOKEN__">
<title>PocketFlow inbox</title>
<link rel="stylesheet" href="/inbox.css">
</head>
<body>
<h1>PocketFlow inbox</h1>
<div id="status">Connecting…</div>
<section>
<h2>Waiting for an answer</h2>
<p class="empty" id="waiting-empty">No run is waiting for an answer.</p>
<div id="waiting" class="cards"></div>
</section>
<section>
<h2>At work</h2>
<p class="empty" id="working-empty">No run is at work.</p>
<div id="working" class="cards"></div>
</section>
<script src="/inbox.js"></script>
</body>
</html>
`;

/** The page's style sheet (served apart: the page's policy allows no inline style). */
export const INBOX_STYLE = `  body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #1d1d1f; }
  h1 { font-size: 1.4rem; margin-bottom: 0.2rem; }
  h2 { font-size: 1.1rem; margin: 1.5rem 0 0.6rem; }
  #status { color: #666; font-size: 0.85rem; margin-bottom: 1rem; }
  .empty { color: #666; }
  [hidden] { display: none !important; }
  .run { border: 1px solid #d6d6db; border-radius: 8px; padding: 0.8rem 1rem; margin-bottom: 1rem; }
  .run.failed, .run.ended { border-color: #e0b4b4; background: #fdf7f7; }
  .run header { display: flex; gap: 0.6rem; align-items: baseline; flex-wrap: wrap; }
  .flow { font-weight: 600; }
  .fork { color: #666; font-size: 0.85rem; }
  .id { font-family: ui-monospace, monospace; font-size: 0.85rem; color: #555; }
  .state { font-size: 0.8rem; padding: 0 0.4rem; border-radius: 4px; background: #eef; color: #335; }
  .step { margin-top: 0.4rem; color: #333; }
  .text { white-space: pre-wrap; font-family: ui-monospace, monospace; font-size: 0.9rem; background: #f6f6f8; border-radius: 4px; padding: 0.4rem 0.6rem; margin: 0.4rem 0 0; max-height: 16rem; overflow: auto; }
  .prompt { margin-top: 0.7rem; }
  .question { font-weight: 600; }
  .context { white-space: pre-wrap; border-left: 3px solid #c7c7cc; padding-left: 0.6rem; margin: 0.4rem 0; color: #333; }
  .meta { color: #666; font-size: 0.85rem; }
  .answer { display: flex; gap: 0.4rem; margin-top: 0.4rem; flex-wrap: wrap; }
  .answer input { flex: 1; min-width: 10rem; padding: 0.3rem 0.5rem; }
  button { padding: 0.3rem 0.8rem; cursor: pointer; }
  .note { margin: 0.4rem 0 0; font-size: 0.9rem; }
  .note.refused { color: #b00020; }
  .note.sent { color: #1b6e2a; }
  .problem { color: #8a5a00; }
  .run.failed .problem, .run.ended .problem { color: #b00020; }
`;

/**
 * The page's script: follows the server's live cards (an EventSource on /events with the page's
 * token), updates each card in place, and posts answers with the token. Run data goes into the
 * page as text only (textContent), never as markup.
 */
export const INBOX_SCRIPT = `'use strict';
const token = document.querySelector('meta[name="inbox-token"]').content;
const lists = { waiting: document.getElementById('waiting'), working: document.getElementById('working') };
const status = document.getElementById('status');
// By workflow id: the card as last received, its article and the parts that change, and the prompts it shows.
const shown = new Map();
const drafts = new Map();
const notes = new Map();
let listedAt;
let listProblem;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function waited(since) {
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(since)) / 1000));
  if (seconds < 60) return seconds + ' s';
  if (seconds < 3600) return Math.round(seconds / 60) + ' min';
  if (seconds < 172800) return Math.round(seconds / 3600) + ' h';
  return Math.round(seconds / 86400) + ' days';
}

const STATES = { working: 'at work', waiting: 'waiting', failed: 'failed', ended: 'ended' };

function renderPrompt(card, prompt) {
  const key = card.workflowId + '#' + prompt.requestId;
  const form = el('form', 'prompt');
  form.dataset.workflowId = card.workflowId;
  form.dataset.requestId = String(prompt.requestId);
  form.append(el('div', 'question', prompt.prompt));
  if (prompt.context) form.append(el('div', 'context', prompt.context));
  const meta = el('div', 'meta', prompt.node + ' · request ' + prompt.requestId);
  if (prompt.askedAt) {
    const since = el('span', 'waited', 'waiting ' + waited(prompt.askedAt));
    since.dataset.since = prompt.askedAt;
    meta.append(' · ', since);
  }
  if (prompt.choices) meta.append(' · answers: ' + prompt.choices.join(', '));
  form.append(meta);
  const row = el('div', 'answer');
  const input = el('input');
  input.name = 'answer';
  input.placeholder = prompt.choices ? prompt.choices.join(' / ') : 'Your answer';
  input.value = drafts.get(key) || '';
  input.addEventListener('input', () => drafts.set(key, input.value));
  row.append(input, el('button', 'send', 'Answer'));
  for (const choice of prompt.choices || []) {
    const button = el('button', 'choice', choice);
    button.type = 'button';
    button.dataset.answer = choice;
    button.addEventListener('click', () => send(card.workflowId, prompt.requestId, choice, key));
    row.append(button);
  }
  form.append(row);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    send(card.workflowId, prompt.requestId, input.value, key);
  });
  const note = notes.get(key);
  if (note) form.append(el('p', 'note ' + note.kind, note.text));
  return form;
}

function newEntry(card) {
  const article = el('article', 'run');
  article.dataset.workflowId = card.workflowId;
  article.dataset.startedAt = card.startedAt;
  const parts = {
    state: el('span', 'state'),
    problem: el('p', 'problem'),
    note: el('p', 'note'),
    step: el('div', 'step'),
    text: el('pre', 'text'),
    prompts: el('div', 'prompts'),
  };
  const header = el('header');
  header.append(el('span', 'flow', card.flow), el('span', 'id', card.workflowId), parts.state);
  if (card.fork) header.append(el('span', 'fork', card.fork));
  if (card.link) {
    const link = el('a', 'link', 'open in the Temporal UI');
    link.href = card.link;
    link.target = '_blank';
    link.rel = 'noopener';
    header.append(link);
  }
  article.append(header, parts.problem, parts.note, parts.step, parts.text, parts.prompts);
  return { article, parts, prompts: undefined };
}

function setText(node, text) {
  node.hidden = !text;
  if (node.textContent !== (text || '')) node.textContent = text || '';
}

// Newest first in each list; a card moves only when its list changes, so that a draft keeps its focus.
function place(article, card) {
  const list = card.status === 'waiting' ? lists.waiting : lists.working;
  if (article.parentElement === list) return;
  const later = [...list.children].find((other) => other.dataset.startedAt < card.startedAt);
  list.insertBefore(article, later || null);
}

function show(card) {
  let entry = shown.get(card.workflowId);
  if (!entry) {
    entry = newEntry(card);
    shown.set(card.workflowId, entry);
  }
  entry.card = card;
  const { article, parts } = entry;
  article.className = 'run ' + card.status;
  article.dataset.status = card.status;
  parts.state.textContent = STATES[card.status] || card.status;
  setText(parts.problem, card.problem || card.noWorker);
  const said = notes.get(card.workflowId);
  parts.note.className = 'note' + (said ? ' ' + said.kind : '');
  setText(parts.note, said && said.text);
  const step = card.step;
  setText(parts.step, step && 'step ' + step.step + ' · ' + step.node + (step.attempt > 1 ? ' · try ' + step.attempt : ''));
  setText(parts.text, step && step.text);
  // The forms are drawn again only when the prompts or their notes change: a draft being typed stays.
  const prompts = JSON.stringify([card.prompts, card.prompts.map((p) => notes.get(card.workflowId + '#' + p.requestId))]);
  if (prompts !== entry.prompts) {
    entry.prompts = prompts;
    parts.prompts.replaceChildren(...card.prompts.map((prompt) => renderPrompt(card, prompt)));
  }
  place(article, card);
}

function remove(workflowId) {
  const entry = shown.get(workflowId);
  if (entry) entry.article.remove();
  shown.delete(workflowId);
}

function summarise() {
  for (const name of ['waiting', 'working']) {
    document.getElementById(name + '-empty').hidden = lists[name].children.length > 0;
  }
  const cards = [...shown.values()].map((entry) => entry.card);
  const waiting = cards.filter((card) => card.status === 'waiting').length;
  const working = cards.filter((card) => card.status === 'working').length;
  const when = listedAt ? ' · updated ' + new Date(listedAt).toLocaleTimeString() : '';
  status.textContent = listProblem || waiting + ' waiting · ' + working + ' at work' + when;
}

async function send(workflowId, requestId, answer, key) {
  const response = await fetch('/api/answer', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-inbox-token': token },
    body: JSON.stringify({ workflowId, requestId, answer }),
  });
  const body = await response.json().catch(() => ({ error: response.statusText }));
  if (response.ok) {
    drafts.delete(key);
    notes.delete(key);
    // Said on the run, since the answered prompt leaves the card.
    notes.set(workflowId, {
      kind: 'sent',
      text: body.queued
        ? 'Queued ' + JSON.stringify(answer) + ' for request ' + requestId + ' (' + body.why + '): the run takes it when a worker runs.'
        : 'Answered ' + JSON.stringify(answer) + ' (request ' + body.accepted.requestId + ', ' + body.accepted.node + ').',
    });
  } else {
    notes.set(key, { kind: 'refused', text: body.error });
  }
  const entry = shown.get(workflowId);
  if (entry) show(entry.card);
}

const source = new EventSource('/events?token=' + encodeURIComponent(token));
source.addEventListener('card', (event) => {
  show(JSON.parse(event.data).card);
  summarise();
});
source.addEventListener('gone', (event) => {
  remove(JSON.parse(event.data).workflowId);
  summarise();
});
source.addEventListener('listed', (event) => {
  const listed = JSON.parse(event.data);
  const open = new Set(listed.workflowIds);
  // A stopped run's card stays until the page is loaded again, so that whoever watched it sees why.
  for (const [workflowId, entry] of shown) {
    if (!open.has(workflowId) && (entry.card.status === 'working' || entry.card.status === 'waiting')) remove(workflowId);
  }
  listedAt = listed.at;
  listProblem = listed.problem;
  summarise();
});
source.addEventListener('error', () => {
  // EventSource connects again by itself, unless the server refused it (a new server has a new token).
  status.textContent = source.readyState === EventSource.CLOSED
    ? 'The inbox server refused the live cards: reload the page.'
    : 'Lost the inbox server; connecting again…';
});

setInterval(() => {
  for (const since of document.querySelectorAll('.waited')) since.textContent = 'waiting ' + waited(since.dataset.since);
}, 5000);
`;
