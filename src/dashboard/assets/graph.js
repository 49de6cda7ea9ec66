// The topology as plain SVG: topics and actors in layers (sources on the left), edges labelled
// with rate, lag and pending. Layout is a longest-path layering, enough for pipelines of tens of
// nodes; big prefixes draw their busiest nodes only.
import { num, svg } from './dom.js';

const MAX_NODES = 120;
const W = 250;
const H = 54;
const GAP_X = 30;
const GAP_Y = 56;

function layers(nodes, edges) {
  // Breadth-first distance from the sources (nodes nothing feeds): stable with cycles (retries,
  // an actor emitting onto a topic upstream), where a longest-path layering would never settle.
  const into = new Map(nodes.map((n) => [n.id, 0]));
  const out = new Map(nodes.map((n) => [n.id, []]));
  for (const e of edges) {
    into.set(e.to, (into.get(e.to) ?? 0) + 1);
    out.get(e.from)?.push(e.to);
  }
  const layer = new Map();
  let frontier = nodes.filter((n) => into.get(n.id) === 0).map((n) => n.id);
  if (frontier.length === 0 && nodes.length > 0) frontier = [nodes[0].id];
  for (const id of frontier) layer.set(id, 0);
  while (frontier.length > 0) {
    const next = [];
    for (const id of frontier) {
      for (const to of out.get(id) ?? []) {
        if (layer.has(to)) continue;
        layer.set(to, layer.get(id) + 1);
        next.push(to);
      }
    }
    frontier = next;
  }
  for (const n of nodes) if (!layer.has(n.id)) layer.set(n.id, 0);
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
  // Layers are rows (sources on top): pipelines are long chains, and rows keep them on one screen.
  const pos = new Map();
  let maxCols = 1;
  for (const [l, row] of columns) {
    row.sort((a, b) => a.name.localeCompare(b.name));
    row.forEach((n, i) => pos.set(n.id, { x: 20 + i * (W + GAP_X), y: 20 + l * (H + GAP_Y) }));
    maxCols = Math.max(maxCols, row.length);
  }
  const depth = Math.max(1, ...[...columns.keys()].map((l) => l + 1));
  const width = 40 + maxCols * (W + GAP_X);
  const height = 40 + depth * (H + GAP_Y);
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': 'topology', 'data-testid': 'topology' });
  root.append(
    svg(
      'defs',
      {},
      svg(
        'marker',
        { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
        svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrowhead' }),
      ),
    ),
  );
  for (const e of edges) {
    const a = pos.get(e.from);
    const b = pos.get(e.to);
    const x1 = a.x + W / 2;
    const y1 = a.y + H;
    const x2 = b.x + W / 2;
    const y2 = b.y;
    const back = y2 <= y1;
    const my = (y1 + y2) / 2;
    // An edge back up (a cycle) leaves from the side and loops around.
    const d = back
      ? `M ${a.x + W} ${a.y + H / 2} C ${a.x + W + 70} ${a.y + H / 2}, ${b.x + W + 70} ${b.y + H / 2}, ${b.x + W} ${b.y + H / 2}`
      : `M ${x1} ${y1} C ${x1} ${my}, ${x2} ${my}, ${x2} ${y2}`;
    const hot = e.kind === 'consumes' && ((e.lag ?? 0) > 0 || e.pending > 0);
    const label = e.kind === 'consumes' ? `${num(e.rate, 1)}/s · lag ${num(e.lag)} · pend ${num(e.pending)}` : '';
    root.append(
      svg(
        'g',
        { class: `edge ${e.kind}${hot ? ' hot' : ''}`, 'data-from': e.from, 'data-to': e.to },
        svg('path', { d, 'marker-end': 'url(#arrow)' }),
        label ? svg('text', { x: (x1 + x2) / 2 + 6, y: my + 4, 'text-anchor': 'start' }, label) : null,
      ),
    );
  }
  for (const n of nodes) {
    const p = pos.get(n.id);
    const lines =
      n.kind === 'topic'
        ? [`${num(n.length)} entries · ${num(n.rate, 1)}/s`, n.dlq > 0 ? `DLQ ${num(n.dlq)}` : '']
        : [
            `${num(n.rate, 1)}/s · ${num(n.length)} pending`,
            `consumers ${n.consumersAlive} up${n.consumersDead ? ` / ${n.consumersDead} dead` : ''} · fail ${num(n.failedRate, 1)}/s · dlq ${num(n.dlq, 1)}/s`,
          ];
    const cls = `node ${n.kind}${n.kind === 'actor' && n.consumersDead > 0 && n.consumersAlive === 0 ? ' down' : ''}${n.dlq > 0 ? ' has-dlq' : ''}`;
    root.append(
      svg(
        'g',
        { class: cls, transform: `translate(${p.x},${p.y})`, 'data-node': n.id },
        svg('rect', { width: W, height: H, rx: n.kind === 'actor' ? 14 : 3 }),
        svg('text', { x: 10, y: 18, class: 'title' }, n.kind === 'topic' ? n.name : `▶ ${n.name}`),
        svg('text', { x: 10, y: 34, class: 'stat' }, lines[0]),
        svg('text', { x: 10, y: 48, class: 'stat' }, lines[1]),
      ),
    );
  }
  host.replaceChildren(root);
  if (note) host.prepend(Object.assign(document.createElement('p'), { className: 'note', textContent: note }));
  return root;
}
