// The topology as plain SVG: topics and actors in layers (sources on the left), edges labelled
// with rate, lag and pending. Layout is a longest-path layering, enough for pipelines of tens of
// nodes; big prefixes draw their busiest nodes only.
import { num, svg } from './dom.js';

const MAX_NODES = 120;
const W = 240;
const H = 54;
const GAP_X = 110;
const GAP_Y = 26;

function layers(nodes, edges) {
  const layer = new Map(nodes.map((n) => [n.id, 0]));
  // Relax edges until stable; bounded so a cycle (retry loops) cannot spin.
  for (let i = 0; i < nodes.length; i += 1) {
    let changed = false;
    for (const e of edges) {
      const want = (layer.get(e.from) ?? 0) + 1;
      if (want > (layer.get(e.to) ?? 0) && want < nodes.length + 1) {
        layer.set(e.to, want);
        changed = true;
      }
    }
    if (!changed) break;
  }
  return layer;
}

/** Draws the topology into `host` (an element); returns the SVG. */
export function drawTopology(host, topology) {
  let nodes = topology.nodes;
  let note = null;
  if (nodes.length > MAX_NODES) {
    const score = (n) => n.rate + n.length + n.dlq;
    nodes = [...nodes].sort((a, b) => score(b) - score(a)).slice(0, MAX_NODES);
    note = `showing the ${MAX_NODES} busiest of ${topology.nodes.length} nodes`;
  }
  const ids = new Set(nodes.map((n) => n.id));
  const edges = topology.edges.filter((e) => ids.has(e.from) && ids.has(e.to));
  const layer = layers(nodes, edges);
  const columns = new Map();
  for (const n of nodes) {
    const l = layer.get(n.id) ?? 0;
    if (!columns.has(l)) columns.set(l, []);
    columns.get(l).push(n);
  }
  const pos = new Map();
  let maxRows = 1;
  for (const [l, col] of columns) {
    col.sort((a, b) => a.name.localeCompare(b.name));
    col.forEach((n, i) => pos.set(n.id, { x: 20 + l * (W + GAP_X), y: 20 + i * (H + GAP_Y) }));
    maxRows = Math.max(maxRows, col.length);
  }
  const width = 40 + Math.max(1, columns.size) * (W + GAP_X);
  const height = 40 + maxRows * (H + GAP_Y);
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': 'topology', 'data-testid': 'topology' });
  root.append(svg('defs', {}, svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrowhead' }))));
  for (const e of edges) {
    const a = pos.get(e.from);
    const b = pos.get(e.to);
    const x1 = a.x + W;
    const y1 = a.y + H / 2;
    const x2 = b.x;
    const y2 = b.y + H / 2;
    const back = x2 <= x1;
    const mx = (x1 + x2) / 2;
    const d = back ? `M ${x1} ${y1} C ${x1 + 60} ${y1 - 80}, ${x2 - 60} ${y2 - 80}, ${x2} ${y2}` : `M ${x1} ${y1} C ${mx} ${y1}, ${mx} ${y2}, ${x2} ${y2}`;
    const hot = e.kind === 'consumes' && ((e.lag ?? 0) > 0 || e.pending > 0);
    const label = e.kind === 'consumes' ? `${num(e.rate, 1)}/s · lag ${num(e.lag)} · pend ${num(e.pending)}` : 'emits';
    root.append(
      svg('g', { class: `edge ${e.kind}${hot ? ' hot' : ''}`, 'data-from': e.from, 'data-to': e.to },
        svg('path', { d, 'marker-end': 'url(#arrow)' }),
        svg('text', { x: mx, y: (y1 + y2) / 2 - 6, 'text-anchor': 'middle' }, label)),
    );
  }
  for (const n of nodes) {
    const p = pos.get(n.id);
    const lines = n.kind === 'topic'
      ? [`${num(n.length)} entries · ${num(n.rate, 1)}/s`, n.dlq > 0 ? `DLQ ${num(n.dlq)}` : '']
      : [`${num(n.rate, 1)}/s · ${num(n.length)} pending`, `consumers ${n.consumersAlive} up${n.consumersDead ? ` / ${n.consumersDead} dead` : ''} · fail ${num(n.failedRate, 1)}/s · dlq ${num(n.dlq, 1)}/s`];
    const cls = `node ${n.kind}${n.kind === 'actor' && n.consumersDead > 0 && n.consumersAlive === 0 ? ' down' : ''}${n.dlq > 0 ? ' has-dlq' : ''}`;
    root.append(
      svg('g', { class: cls, transform: `translate(${p.x},${p.y})`, 'data-node': n.id },
        svg('rect', { width: W, height: H, rx: n.kind === 'actor' ? 14 : 3 }),
        svg('text', { x: 10, y: 18, class: 'title' }, n.kind === 'topic' ? n.name : `▶ ${n.name}`),
        svg('text', { x: 10, y: 34, class: 'stat' }, lines[0]),
        svg('text', { x: 10, y: 48, class: 'stat' }, lines[1])),
    );
  }
  host.replaceChildren(root);
  if (note) host.prepend(Object.assign(document.createElement('p'), { className: 'note', textContent: note }));
  return root;
}
