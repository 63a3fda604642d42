/**
 * The inbox's page and its script: plain HTML and browser JavaScript, served as they are (no build
 * step, no inline script, so the page's Content-Security-Policy can be `default-src 'self'`).
 */

/** The page; `__TOKEN__` is replaced by the server's answer token. */
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
<h1>Runs waiting for an answer</h1>
<div id="status">Loading…</div>
<main id="runs"></main>
<script src="/inbox.js"></script>
</body>
</html>
`;

/** The page's style sheet (served apart: the page's policy allows no inline style). */
export const INBOX_STYLE = `  body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #1d1d1f; }
  h1 { font-size: 1.4rem; margin-bottom: 0.2rem; }
  #status { color: #666; font-size: 0.85rem; margin-bottom: 1.5rem; }
  .run { border: 1px solid #d6d6db; border-radius: 8px; padding: 0.8rem 1rem; margin-bottom: 1rem; }
  .run header { display: flex; gap: 0.6rem; align-items: baseline; flex-wrap: wrap; }
  .flow { font-weight: 600; }
  .id { font-family: ui-monospace, monospace; font-size: 0.85rem; color: #555; }
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
`;

/** The page's script: polls the waiting runs and posts answers with the page's token. */
export const INBOX_SCRIPT = `'use strict';
const token = document.querySelector('meta[name="inbox-token"]').content;
const list = document.getElementById('runs');
const status = document.getElementById('status');
const drafts = new Map();
const notes = new Map();
let shown = '';

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

function renderPrompt(run, prompt) {
  const key = run.workflowId + '#' + prompt.requestId;
  const form = el('form', 'prompt');
  form.dataset.workflowId = run.workflowId;
  form.dataset.requestId = String(prompt.requestId);
  form.append(el('div', 'question', prompt.prompt));
  if (prompt.context) form.append(el('div', 'context', prompt.context));
  const meta = [prompt.node, 'request ' + prompt.requestId];
  if (prompt.askedAt) meta.push('waiting ' + waited(prompt.askedAt));
  if (prompt.choices) meta.push('answers: ' + prompt.choices.join(', '));
  form.append(el('div', 'meta', meta.join(' · ')));
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
    button.addEventListener('click', () => send(run.workflowId, prompt.requestId, choice, key));
    row.append(button);
  }
  form.append(row);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    send(run.workflowId, prompt.requestId, input.value, key);
  });
  const note = notes.get(key);
  if (note) form.append(el('p', 'note ' + note.kind, note.text));
  return form;
}

function render(runs) {
  list.replaceChildren();
  if (runs.length === 0) {
    list.append(el('p', 'empty', 'No run is waiting for an answer.'));
  }
  for (const run of runs) {
    const article = el('article', 'run');
    article.dataset.workflowId = run.workflowId;
    const header = el('header');
    header.append(el('span', 'flow', run.flow), el('span', 'id', run.workflowId));
    if (run.link) {
      const link = el('a', 'link', 'open in the Temporal UI');
      link.href = run.link;
      link.target = '_blank';
      link.rel = 'noopener';
      header.append(link);
    }
    article.append(header);
    if (run.noWorker) article.append(el('p', 'problem', run.noWorker));
    const said = notes.get(run.workflowId);
    if (said) article.append(el('p', 'note ' + said.kind, said.text));
    for (const prompt of run.prompts) article.append(renderPrompt(run, prompt));
    list.append(article);
  }
}

async function refresh() {
  try {
    const response = await fetch('/api/waiting', { headers: { accept: 'application/json' } });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error || response.statusText);
    const state = JSON.stringify([body.runs, [...notes]]);
    if (state !== shown) {
      shown = state;
      render(body.runs);
    }
    status.textContent = body.runs.length + ' waiting · updated ' + new Date().toLocaleTimeString();
  } catch (error) {
    status.textContent = 'Could not read the waiting runs: ' + error.message;
  }
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
    // Said on the run, since the answered prompt leaves the page.
    notes.set(workflowId, {
      kind: 'sent',
      text: body.queued
        ? 'Queued ' + JSON.stringify(answer) + ' for request ' + requestId + ' (' + body.why + '): the run takes it when a worker runs.'
        : 'Answered ' + JSON.stringify(answer) + ' (request ' + body.accepted.requestId + ', ' + body.accepted.node + ').',
    });
  } else {
    notes.set(key, { kind: 'refused', text: body.error });
  }
  shown = '';
  await refresh();
}

// The next poll starts two seconds after the last one ended, so that slow answers never pile up.
async function poll() {
  await refresh();
  setTimeout(poll, 2000);
}
poll();
`;
