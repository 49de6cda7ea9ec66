// The Streams, Dead letters and Envelope views. Values are set as text only (see dom.js).
import { bytes, dur, el, getJson, num, replace, td } from './dom.js';

function chart(host, title, series, data) {
  const opts = {
    title,
    width: Math.max(320, Math.min(560, host.clientWidth || 560)),
    height: 180,
    series: [{}, ...series.map(([label, stroke]) => ({ label, stroke, width: 2 }))],
    axes: [{}, { size: 60 }],
    legend: { live: false },
  };
  const box = el('div', { class: 'chart' });
  host.append(box);
  return new uPlot(opts, data, box);
}

/** Streams per page of the Streams table. */
const PAGE_ROWS = 200;

/** Streams: totals charts, one row per stream and group, a filter, and one stream's chart on click. */
export function streamsView(root) {
  const charts = el('div', { class: 'charts', 'data-testid': 'charts' });
  const filter = el('input', { type: 'search', placeholder: 'filter streams', 'aria-label': 'filter streams', 'data-testid': 'stream-filter' });
  const detail = el('div', { class: 'charts', 'data-testid': 'stream-detail' });
  const body = el('tbody');
  const table = el(
    'table',
    { class: 'grid', 'data-testid': 'streams-table' },
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        ...['stream', 'kind', 'length', 'first id', 'last id', 'memory', 'in/s', 'group', 'out/s', 'lag', 'pending', 'oldest pending idle', 'consumers'].map(
          (h) => el('th', {}, h),
        ),
      ),
    ),
    body,
  );
  const count = el('span', { class: 'note', 'data-testid': 'stream-count' });
  const prev = el('button', { 'data-testid': 'streams-prev' }, '‹ previous');
  const next = el('button', { 'data-testid': 'streams-next' }, 'next ›');
  const pageNote = el('span', { class: 'note', 'data-testid': 'streams-page' });
  replace(root, el('div', { class: 'toolbar' }, filter, count, prev, pageNote, next), charts, detail, table);
  let plots = [];
  let last = null;
  let selected = null;
  let page = 0;

  async function showSeries(key) {
    selected = key;
    const s = await getJson(`/api/series?stream=${encodeURIComponent(key)}`);
    detail.replaceChildren(el('h3', {}, key));
    chart(detail, 'length', [['length', '#4b8bbe']], [s.at.map((t) => t / 1000), s.length]);
    chart(
      detail,
      'rate and lag',
      [
        ['in/s', '#2a9d8f'],
        ['lag', '#e76f51'],
        ['pending', '#e9c46a'],
      ],
      [s.at.map((t) => t / 1000), s.rate, s.lag, s.pending],
    );
  }

  function render(snap) {
    last = snap;
    const h = snap.history;
    const t = h.map((p) => p.at / 1000);
    for (const p of plots) p.destroy();
    charts.replaceChildren();
    plots = [
      chart(
        charts,
        'entries per second',
        [
          ['appended/s', '#2a9d8f'],
          ['delivered/s', '#4b8bbe'],
        ],
        [t, h.map((p) => p.appendRate), h.map((p) => p.deliverRate)],
      ),
      chart(
        charts,
        'lag, pending, dead letters',
        [
          ['lag', '#e76f51'],
          ['pending', '#e9c46a'],
          ['DLQ', '#9b2226'],
        ],
        [t, h.map((p) => p.lag), h.map((p) => p.pending), h.map((p) => p.dlq)],
      ),
    ];
    const q = filter.value.trim().toLowerCase();
    const rows = [];
    const matching = q ? snap.streams.filter((s) => s.key.toLowerCase().includes(q)) : snap.streams;
    // The browser's layout of a table grows with its cells: a page of streams keeps a big prefix fast.
    const pages = Math.max(1, Math.ceil(matching.length / PAGE_ROWS));
    page = Math.min(page, pages - 1);
    for (const s of matching.slice(page * PAGE_ROWS, (page + 1) * PAGE_ROWS)) {
      const groups = s.groups.length ? s.groups : [null];
      groups.forEach((g, i) => {
        const first = i === 0;
        const alive = g ? g.consumers.filter((c) => c.alive).length : 0;
        const tr = document.createElement('tr');
        tr.dataset.stream = s.key;
        tr.dataset.group = g ? g.name : '';
        tr.className = `${s.kind}${g && g.stale ? ' stale' : ''}`;
        const key = td(first ? s.key : '', 'key');
        key.title = s.key;
        tr.append(
          key,
          td(first ? s.kind : ''),
          td(first ? num(s.length) : '', 'n', 'length'),
          td(first ? (s.firstId ?? '–') : '', 'id'),
          td(first ? (s.lastId ?? '–') : '', 'id'),
          td(first ? bytes(s.memoryBytes) : '', 'n'),
          td(first ? num(s.rate, 1) : '', 'n'),
          td(g ? g.name : '–', '', 'group'),
          td(g ? num(g.rate, 1) : '', 'n'),
          td(g ? num(g.lag) : '', 'n', 'lag'),
          td(g ? num(g.pending) : '', 'n', 'pending'),
          td(g ? dur(g.oldestPendingIdleMs) : '', 'n'),
          td(g ? `${alive} alive / ${g.consumers.length - alive} dead` : '', '', 'consumers'),
        );
        rows.push(tr);
      });
    }
    body.replaceChildren(...rows);
    count.textContent = `${matching.length} of ${snap.streams.length} streams`;
    pageNote.textContent = `page ${page + 1} of ${pages}`;
    prev.disabled = page === 0;
    next.disabled = page >= pages - 1;
  }
  filter.addEventListener('input', () => {
    page = 0;
    if (last) render(last);
  });
  prev.addEventListener('click', () => {
    page = Math.max(0, page - 1);
    if (last) render(last);
  });
  next.addEventListener('click', () => {
    page += 1;
    if (last) render(last);
  });
  // One listener for every row (a thousand streams would otherwise mean a thousand listeners).
  body.addEventListener('click', (ev) => {
    const tr = ev.target.closest('tr[data-stream]');
    if (tr) showSeries(tr.dataset.stream).catch(() => undefined);
  });
  return {
    render,
    refreshDetail: () => selected && showSeries(selected).catch(() => undefined),
  };
}

const REASONS = ['', 'handler-error', 'invalid-payload', 'poison', 'deleted-before-processing', 'missing-field', 'oversized', 'not-json', 'invalid-envelope'];

/** Dead letters: filters, a paged list, the selected entry redacted, replay and purge with a confirmation. */
export function dlqView(root, app) {
  const topic = el('select', { 'data-testid': 'dlq-topic', 'aria-label': 'topic' }, el('option', { value: '' }, 'all topics'));
  const actor = el('input', { 'data-testid': 'dlq-actor', placeholder: 'actor', 'aria-label': 'actor' });
  const reason = el('select', { 'data-testid': 'dlq-reason', 'aria-label': 'reason' }, ...REASONS.map((r) => el('option', { value: r }, r || 'any reason')));
  const older = el('input', { 'data-testid': 'dlq-older', placeholder: 'older than (10m)', size: 12, 'aria-label': 'older than' });
  const newer = el('input', { 'data-testid': 'dlq-newer', placeholder: 'newer than (2h)', size: 12, 'aria-label': 'newer than' });
  const load = el('button', { 'data-testid': 'dlq-load' }, 'Show');
  const status = el('span', { class: 'note', 'data-testid': 'dlq-status' });
  const body = el('tbody');
  const all = el('input', { type: 'checkbox', 'aria-label': 'select all', 'data-testid': 'dlq-all' });
  const more = el('button', { 'data-testid': 'dlq-more', hidden: true }, 'Older entries');
  const replayBtn = el('button', { 'data-testid': 'dlq-replay', disabled: true }, 'Replay selected');
  const purgeBtn = el('button', { 'data-testid': 'dlq-purge', class: 'danger', disabled: true }, 'Purge selected');
  const result = el('p', { class: 'result', 'data-testid': 'dlq-result', role: 'status' });
  const detail = el('div', { class: 'detail', 'data-testid': 'dlq-detail' });
  const table = el(
    'table',
    { class: 'grid', 'data-testid': 'dlq-table' },
    el('thead', {}, el('tr', {}, el('th', {}, all), ...['failed', 'topic', 'actor', 'reason', 'attempts', 'error'].map((h) => el('th', {}, h)))),
    body,
  );
  replace(
    root,
    el('div', { class: 'toolbar' }, topic, actor, reason, older, newer, load, status),
    el('div', { class: 'toolbar' }, replayBtn, purgeBtn, result),
    el('div', { class: 'split' }, el('div', {}, table, more), detail),
  );
  let cursor = null;
  const selected = new Map();

  function updateButtons() {
    const n = selected.size;
    replayBtn.disabled = !app.writable || n === 0;
    purgeBtn.disabled = !app.writable || n === 0;
    replayBtn.textContent = `Replay selected (${n})`;
    purgeBtn.textContent = `Purge selected (${n})`;
    if (!app.writable) replayBtn.title = purgeBtn.title = 'read-only: start the dashboard with --allow-writes';
  }

  function showEntry(it) {
    replace(
      detail,
      el('h3', {}, `${it.topic} · ${it.id}`),
      el(
        'dl',
        {},
        ...[
          ['stream', it.stream],
          ['failed at', it.failedAt],
          ['actor', it.actor || '–'],
          ['reason', it.reason],
          ['attempts', String(it.attempts)],
          ['source', `${it.source} ${it.sourceId}`],
        ].flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]),
      ),
      el('h4', {}, 'error'),
      el('pre', { 'data-testid': 'dlq-error' }, it.error),
      el('h4', {}, it.envelope ? 'envelope (redacted)' : 'raw fields (redacted)'),
      el('pre', { 'data-testid': 'dlq-envelope' }, JSON.stringify(it.envelope ?? it.raw, null, 2)),
    );
  }

  function row(it) {
    const key = `${it.stream}\n${it.id}`;
    const box = el('input', {
      type: 'checkbox',
      'aria-label': `select ${it.id}`,
      onchange: (ev) => {
        if (ev.target.checked) selected.set(key, { stream: it.stream, id: it.id });
        else selected.delete(key);
        updateButtons();
      },
    });
    return el(
      'tr',
      { 'data-id': it.id, 'data-stream': it.stream, onclick: (ev) => ev.target !== box && showEntry(it) },
      el('td', {}, box),
      el('td', { class: 'id' }, it.failedAt),
      el('td', {}, it.topic),
      el('td', {}, it.actor || '–'),
      el('td', {}, it.reason),
      el('td', { class: 'n' }, String(it.attempts)),
      el('td', { class: 'err', title: it.error }, it.error.slice(0, 120)),
    );
  }

  async function fetchPage(reset) {
    const p = new URLSearchParams();
    for (const [k, v] of [
      ['topic', topic.value],
      ['actor', actor.value.trim()],
      ['reason', reason.value],
      ['olderThan', older.value.trim()],
      ['newerThan', newer.value.trim()],
    ])
      if (v) p.set(k, v);
    if (!reset && cursor) p.set('cursor', JSON.stringify(cursor));
    status.textContent = 'loading…';
    try {
      const page = await getJson(`/api/dlq?${p}`);
      if (reset) {
        body.replaceChildren();
        selected.clear();
        all.checked = false;
      }
      body.append(...page.items.map(row));
      cursor = page.cursor;
      more.hidden = cursor === null;
      status.textContent = `${body.children.length} shown of ${num(page.total)} dead letters${page.scanned > page.items.length ? ` (filter read ${num(page.scanned)})` : ''}`;
      status.dataset.total = String(page.total);
      updateButtons();
    } catch (err) {
      status.textContent = `error: ${err.message}`;
    }
  }

  async function act(kind) {
    const items = [...selected.values()];
    const ok = await app.confirm(
      `${kind === 'replay' ? 'Replay' : 'Purge'} ${items.length} dead letter${items.length === 1 ? '' : 's'}?`,
      kind === 'replay' ? 'Each goes back onto the stream it failed on with attempt 1, and leaves the DLQ.' : 'They are deleted from the DLQ for good.',
    );
    if (!ok) return;
    try {
      const r = await app.write(`/api/dlq/${kind}`, { items });
      result.textContent =
        kind === 'replay' ? `replayed ${r.replayed}, skipped ${r.skipped}, already gone ${r.gone}` : `purged ${r.purged}, already gone ${r.gone}`;
      result.className = 'result ok';
    } catch (err) {
      result.textContent = `refused: ${err.message}`;
      result.className = 'result bad';
    }
    await fetchPage(true);
  }

  all.addEventListener('change', () => {
    for (const box of body.querySelectorAll('input[type=checkbox]')) if (box.checked !== all.checked) box.click();
  });
  load.addEventListener('click', () => fetchPage(true));
  more.addEventListener('click', () => fetchPage(false));
  replayBtn.addEventListener('click', () => act('replay'));
  purgeBtn.addEventListener('click', () => act('purge'));
  updateButtons();
  return {
    render(snap) {
      const have = new Set([...topic.options].map((o) => o.value));
      for (const d of snap.dlq) if (!have.has(d.topic)) topic.append(el('option', { value: d.topic }, d.topic));
    },
    load: () => fetchPage(true),
  };
}

function traceNode(n, show) {
  const dead = n.consumers.some((c) => c.outcome === 'dead-lettered');
  const outcomes = n.consumers.map((c) => `${c.actor} ${c.outcome}${c.attempts > 1 ? ` ×${c.attempts}` : ''}`).join(', ');
  const label = el(
    'button',
    { class: `hop${dead ? ' dead' : ''}${n.matched ? ' matched' : ''}`, onclick: () => show(n) },
    el('span', { class: 'type' }, n.type),
    ` ${n.sinceCauseMs === null ? 'root' : `+${dur(n.sinceCauseMs)}`}${outcomes ? ` · ${outcomes}` : ''}`,
  );
  return el('li', { 'data-envelope': n.envelopeId }, label, n.children.length ? el('ul', {}, ...n.children.map((c) => traceNode(c, show))) : null);
}

/** Envelope: look up by id, correlation id or idempotency key; the causal tree with per-hop times. */
export function envelopeView(root) {
  const input = el('input', {
    type: 'search',
    placeholder: 'envelope id, correlation id or idempotency key',
    size: 60,
    'data-testid': 'trace-q',
    'aria-label': 'lookup',
  });
  const go = el('button', { 'data-testid': 'trace-go' }, 'Trace');
  const status = el('p', { class: 'note', 'data-testid': 'trace-status' });
  const tree = el('div', { class: 'tree', 'data-testid': 'trace-tree' });
  const detail = el('div', { class: 'detail' });
  const form = el('form', { class: 'toolbar' }, input, go);
  replace(root, form, status, el('div', { class: 'split' }, tree, detail));
  const show = (n) =>
    replace(
      detail,
      el('h3', {}, n.type),
      el(
        'dl',
        {},
        ...[
          ['id', n.envelopeId],
          ['correlation', n.correlationId],
          ['caused by', n.causationId ?? '–'],
          ['stream', `${n.stream} ${n.streamId}`],
          ['created', n.createdAt],
          ['idempotency key', n.idempotencyKey],
          ['attempts', String(n.attempts)],
          ['traceparent', n.traceparent ?? '–'],
        ].flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]),
      ),
      el('h4', {}, 'consumers'),
      el(
        'ul',
        {},
        ...n.consumers.map((c) =>
          el('li', {}, `${c.actor}: ${c.outcome}, ${c.attempts} attempt(s)${c.deadLetter ? ` — DLQ ${c.deadLetter.reason}: ${c.deadLetter.error}` : ''}`),
        ),
      ),
    );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    status.textContent = 'looking…';
    tree.replaceChildren();
    try {
      const r = await getJson(`/api/trace?q=${encodeURIComponent(input.value.trim())}`);
      status.textContent = `${r.stats.envelopes} envelopes in flow ${r.correlationIds.join(', ')} (matched by ${r.matchedBy}; ${r.stats.deadLetters} dead letters; read ${num(r.stats.entriesScanned)} entries of ${r.stats.streamsScanned} streams${r.stats.truncated ? '; stopped early, the tree may be incomplete' : ''})`;
      tree.append(el('ul', {}, ...r.roots.map((n) => traceNode(n, show))));
    } catch (err) {
      status.textContent = err.message;
    }
  });
}
