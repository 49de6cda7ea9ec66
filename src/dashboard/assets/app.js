// The dashboard page: tabs, live snapshots over server-sent events (polling as a fallback), the
// write token (from the URL fragment, never sent to the server except in the write header) and
// the confirmation dialog.
import { drawTopology } from './graph.js';
import { el, getJson, num, replace } from './dom.js';
import { dlqView, envelopeView, streamsView } from './views.js';

const $ = (sel) => document.querySelector(sel);

// The token arrives as #token=… so it is never in a request line or a server log; it is then
// dropped from the address bar and kept in memory only.
let token = null;
const hash = new URLSearchParams(location.hash.slice(1));
if (hash.get('token')) {
  token = hash.get('token');
  history.replaceState(null, '', location.pathname + location.search);
}

const app = {
  writable: false,
  async write(url, body) {
    if (!token) {
      const t = await app.ask('Write token', 'Paste the token the dashboard printed at start.');
      if (!t) throw new Error('no token given');
      token = t;
    }
    return getJson(url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Dashboard-Token': token }, body: JSON.stringify(body) });
  },
  confirm(title, text) {
    return modal(title, text, false);
  },
  ask(title, text) {
    return modal(title, text, true);
  },
};

function modal(title, text, withInput) {
  return new Promise((resolve) => {
    const input = withInput ? el('input', { type: 'password', 'data-testid': 'modal-input', 'aria-label': title }) : null;
    const done = (v) => {
      box.remove();
      resolve(v);
    };
    const ok = el('button', { 'data-testid': 'modal-ok', onclick: () => done(withInput ? input.value.trim() : true) }, withInput ? 'OK' : 'Yes, do it');
    const cancel = el('button', { 'data-testid': 'modal-cancel', onclick: () => done(withInput ? null : false) }, 'Cancel');
    const box = el(
      'div',
      { class: 'modal', role: 'dialog', 'aria-modal': 'true', 'data-testid': 'modal' },
      el(
        'div',
        { class: 'modal-box' },
        el('h3', { 'data-testid': 'modal-title' }, title),
        el('p', {}, text),
        input,
        el('div', { class: 'toolbar' }, ok, cancel),
      ),
    );
    document.body.append(box);
    (input ?? ok).focus();
  });
}

const views = {};
let current = 'topology';
let latest = null;

function show(name) {
  current = name;
  for (const b of document.querySelectorAll('nav button')) b.classList.toggle('active', b.dataset.view === name);
  for (const s of document.querySelectorAll('main > section')) s.hidden = s.id !== name;
  if (latest) render(latest);
  if (name === 'dlq') views.dlq.load();
}

function render(snap) {
  latest = snap;
  const status = $('#status');
  status.textContent = snap.healthy ? 'healthy' : `${snap.problems.length} problem(s)`;
  status.className = snap.healthy ? 'ok' : 'bad';
  $('#updated').textContent = new Date(snap.at).toLocaleTimeString();
  $('#totals').textContent =
    `${num(snap.streams.length)} streams · lag ${num(snap.totals.lag)} · pending ${num(snap.totals.pending)} · DLQ ${num(snap.totals.dlq)}`;
  $('#totals').dataset.dlq = String(snap.totals.dlq);
  $('#load').textContent = `collect ${snap.collectMs} ms · ${num(snap.redisCommands)} Redis commands so far`;
  if (current === 'topology') {
    drawTopology($('#topology-graph'), snap.topology);
    replace(
      $('#findings'),
      ...[...snap.problems, ...snap.warnings].slice(0, 20).map((f) => el('li', { class: snap.problems.includes(f) ? 'bad' : 'warn' }, f.message)),
    );
  }
  if (current === 'streams') views.streams.render(snap);
  views.dlq.render(snap);
  document.body.dataset.ready = 'true';
}

function live() {
  let polling = null;
  const poll = () => getJson('/api/snapshot').then(render, () => undefined);
  const es = new EventSource('/api/events');
  es.addEventListener('snapshot', (ev) => render(JSON.parse(ev.data)));
  es.addEventListener('open', () => {
    if (polling) clearInterval(polling);
    polling = null;
  });
  es.addEventListener('error', () => {
    // Server-sent events cut (a proxy, a restart): poll every 2 s until they come back.
    if (!polling) polling = setInterval(poll, 2000);
  });
}

async function main() {
  const cfg = await getJson('/api/config');
  app.writable = cfg.writable;
  $('#prefix').textContent = cfg.prefix;
  $('#source').textContent = cfg.source;
  $('#mode').textContent = cfg.writable ? 'writes allowed (token required)' : 'read-only';
  views.streams = streamsView($('#streams'));
  views.dlq = dlqView($('#dlq'), app);
  envelopeView($('#envelope'));
  for (const b of document.querySelectorAll('nav button')) b.addEventListener('click', () => show(b.dataset.view));
  const start = new URLSearchParams(location.search).get('view');
  show(['topology', 'streams', 'dlq', 'envelope'].includes(start) ? start : 'topology');
  live();
  setInterval(() => current === 'streams' && views.streams.refreshDetail(), 5000);
}

main().catch((err) => {
  $('#status').textContent = `cannot load: ${err.message}`;
  $('#status').className = 'bad';
});
