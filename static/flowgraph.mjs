// A Studio flow as a picture: states as boxes, transitions as labelled arrows, laid out in layers
// from the Trigger down (a Sugiyama-style layered layout: break cycles, rank by longest path,
// order each layer by barycenters to cut crossings, then place). Pure functions over the flow JSON
// (`graphOf`, `layout`) plus `renderSvg`, which builds SVG nodes with textContent only.
// Runs unchanged in the browser and under node's test runner (tests/browser/flowgraph.test.mjs).

export const BOX = { w: 184, h: 54, gapX: 36, gapY: 78, margin: 24 };

/** The states and transitions of a flow definition; transitions to unknown states are dropped. */
export function graphOf(def) {
  const states = def && Array.isArray(def.states) ? def.states : [];
  const nodes = [];
  const seen = new Set();
  for (const s of states) {
    if (!s || typeof s.name !== "string" || s.name === "" || seen.has(s.name)) continue;
    seen.add(s.name);
    nodes.push({ id: s.name, type: typeof s.type === "string" ? s.type : "" });
  }
  // Transitions between the same two states become one arrow with both labels.
  const edges = [];
  const byPair = new Map();
  for (const s of states) {
    if (!s || !seen.has(s.name) || !Array.isArray(s.transitions)) continue;
    for (const t of s.transitions) {
      if (!t || typeof t.next !== "string" || !seen.has(t.next)) continue;
      const key = JSON.stringify([s.name, t.next]);
      const label = labelOf(t);
      if (byPair.has(key)) {
        const e = byPair.get(key);
        if (label && !e.labels.includes(label)) e.labels.push(label);
        e.label = e.labels.join(" / ");
        continue;
      }
      const e = { from: s.name, to: t.next, label, labels: label ? [label] : [] };
      byPair.set(key, e);
      edges.push(e);
    }
  }
  let initial = def && typeof def.initial_state === "string" && seen.has(def.initial_state) ? def.initial_state : null;
  if (!initial) initial = (nodes.find((n) => n.type === "trigger") || nodes[0] || {}).id || null;
  return { nodes, edges, initial };
}

function labelOf(t) {
  const cond = Array.isArray(t.conditions) && t.conditions[0];
  const text = cond && typeof cond.friendly_name === "string" && cond.friendly_name ? cond.friendly_name : String(t.event || "");
  return text.length > 30 ? text.slice(0, 29) + "…" : text;
}

/** Positions for every node and a path for every edge. */
export function layout(graph, box = BOX) {
  const n = graph.nodes.length;
  const index = new Map(graph.nodes.map((node, i) => [node.id, i]));
  const out = graph.nodes.map(() => []);
  graph.edges.forEach((e, i) => out[index.get(e.from)].push(i));

  // 1. Depth-first from the initial state, then from states nothing points at, then the rest:
  //    edges to a state still on the stack are back edges (loops), left out of ranking.
  const hasIncoming = new Array(n).fill(false);
  for (const e of graph.edges) if (e.from !== e.to) hasIncoming[index.get(e.to)] = true;
  const roots = [];
  if (graph.initial !== null && index.has(graph.initial)) roots.push(index.get(graph.initial));
  for (let i = 0; i < n; i++) if (!hasIncoming[i]) roots.push(i);
  for (let i = 0; i < n; i++) roots.push(i);
  const mark = new Array(n).fill(0); // 0 unseen, 1 on the stack, 2 done
  const back = new Set();
  const postorder = [];
  for (const root of roots) {
    if (mark[root]) continue;
    const stack = [[root, 0]];
    mark[root] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [v, k] = top;
      if (k < out[v].length) {
        top[1]++;
        const ei = out[v][k];
        const w = index.get(graph.edges[ei].to);
        if (mark[w] === 1) back.add(ei);
        else if (mark[w] === 0) {
          mark[w] = 1;
          stack.push([w, 0]);
        }
      } else {
        mark[v] = 2;
        postorder.push(v);
        stack.pop();
      }
    }
  }

  // 2. Ranks: longest path over the forward edges, in topological (reverse post-) order.
  const rank = new Array(n).fill(0);
  for (let p = postorder.length - 1; p >= 0; p--) {
    const v = postorder[p];
    for (const ei of out[v]) {
      if (back.has(ei)) continue;
      const w = index.get(graph.edges[ei].to);
      if (w !== v) rank[w] = Math.max(rank[w], rank[v] + 1);
    }
  }

  // 3. Order within layers: start from discovery order, then barycenter sweeps; keep the best.
  const depth = n ? Math.max(...rank) + 1 : 0;
  const layers = Array.from({ length: depth }, () => []);
  for (let p = postorder.length - 1; p >= 0; p--) layers[rank[postorder[p]]].push(postorder[p]);
  const preds = graph.nodes.map(() => []);
  const succs = graph.nodes.map(() => []);
  graph.edges.forEach((e, ei) => {
    if (back.has(ei) || e.from === e.to) return;
    const a = index.get(e.from), b = index.get(e.to);
    succs[a].push(b);
    preds[b].push(a);
  });
  const pos = new Array(n).fill(0);
  const setPos = () => layers.forEach((l) => l.forEach((v, i) => (pos[v] = i)));
  setPos();
  let best = layers.map((l) => l.slice());
  let bestCrossings = crossings(layers, succs, rank, pos);
  for (let sweep = 0; sweep < 8 && bestCrossings > 0; sweep++) {
    const down = sweep % 2 === 0;
    const order = down ? [...layers.keys()].slice(1) : [...layers.keys()].reverse().slice(1);
    for (const r of order) {
      const bary = (v) => {
        const nb = down ? preds[v] : succs[v];
        if (!nb.length) return pos[v];
        return nb.reduce((s, u) => s + pos[u], 0) / nb.length;
      };
      const keyed = layers[r].map((v) => [bary(v), pos[v], v]);
      keyed.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      layers[r] = keyed.map((k) => k[2]);
      layers[r].forEach((v, i) => (pos[v] = i));
    }
    const c = crossings(layers, succs, rank, pos);
    if (c < bestCrossings) {
      bestCrossings = c;
      best = layers.map((l) => l.slice());
    }
  }
  best.forEach((l, r) => (layers[r] = l));
  setPos();

  // 4. Coordinates: each layer centred under the widest one.
  const widest = Math.max(1, ...layers.map((l) => l.length));
  const width = box.margin * 2 + widest * box.w + (widest - 1) * box.gapX;
  const nodes = graph.nodes.map((node, i) => {
    const count = layers[rank[i]].length;
    const layerWidth = count * box.w + (count - 1) * box.gapX;
    const x0 = (width - layerWidth) / 2;
    return {
      id: node.id,
      type: node.type,
      rank: rank[i],
      order: pos[i],
      x: x0 + pos[i] * (box.w + box.gapX),
      y: box.margin + rank[i] * (box.h + box.gapY),
      w: box.w,
      h: box.h,
    };
  });

  // 5. Edges: forward ones leave the bottom (slots ordered by where their targets are, so
  //    siblings do not cross) and enter the top; loops go round the right side.
  const slot = new Map();
  graph.nodes.forEach((_, i) => {
    const fwd = out[i].filter((ei) => !back.has(ei));
    fwd.sort((p, q) => nodes[index.get(graph.edges[p].to)].x - nodes[index.get(graph.edges[q].to)].x || p - q);
    fwd.forEach((ei, k) => slot.set(ei, [k, fwd.length]));
  });
  let loopLane = 0;
  const edges = graph.edges.map((e, ei) => {
    const a = nodes[index.get(e.from)], b = nodes[index.get(e.to)];
    if (back.has(ei) || b.rank <= a.rank) {
      const lane = 28 + 10 * (loopLane++ % 6);
      const sx = a.x + a.w, sy = a.y + a.h / 2, tx = b.x + b.w, ty = b.y + b.h / 2;
      const bulge = Math.max(sx, tx) + lane;
      return {
        ...e, back: true,
        path: `M${sx},${sy} C${bulge},${sy} ${bulge},${ty} ${tx + 6},${ty}`,
        labelAt: { x: bulge - 4, y: (sy + ty) / 2 },
      };
    }
    const [i, k] = slot.get(ei);
    const sx = a.x + (a.w * (i + 1)) / (k + 1), sy = a.y + a.h;
    const tx = b.x + b.w / 2, ty = b.y - 6;
    const dy = Math.max(30, (ty - sy) / 2);
    const path = `M${sx},${sy} C${sx},${sy + dy} ${tx},${ty - dy} ${tx},${ty}`;
    // The label sits in the gap just below the source, where edges of other states do not run.
    const t = Math.min(0.5, (box.gapY * 0.45) / Math.max(1, ty - sy) * 1.6);
    return { ...e, back: false, path, labelAt: bezierAt([sx, sy], [sx, sy + dy], [tx, ty - dy], [tx, ty], t) };
  });
  const height = box.margin * 2 + depth * box.h + Math.max(0, depth - 1) * box.gapY;
  const extra = edges.some((e) => e.back) ? 100 : 0;
  return { nodes, edges, width: width + extra, height: Math.max(height, box.h + box.margin * 2), crossings: bestCrossings };
}

function bezierAt(p0, p1, p2, p3, t) {
  const u = 1 - t;
  const c = (i) => u * u * u * p0[i] + 3 * u * u * t * p1[i] + 3 * u * t * t * p2[i] + t * t * t * p3[i];
  return { x: c(0), y: c(1) };
}

/** Crossings between edges of adjacent layers (the quantity the sweeps try to lower). */
function crossings(layers, succs, rank, pos) {
  let total = 0;
  for (let r = 0; r + 1 < layers.length; r++) {
    const segs = [];
    for (const v of layers[r]) for (const w of succs[v]) if (rank[w] === r + 1) segs.push([pos[v], pos[w]]);
    for (let i = 0; i < segs.length; i++)
      for (let j = i + 1; j < segs.length; j++)
        if ((segs[i][0] - segs[j][0]) * (segs[i][1] - segs[j][1]) < 0) total++;
  }
  return total;
}

const SVG = "http://www.w3.org/2000/svg";

function kindOf(type) {
  if (type === "trigger") return "trigger";
  if (type === "send-to-flex" || type === "enqueue-call" || type === "connect-call-to") return "handoff";
  if (type === "split-based-on") return "split";
  if (/http|function|subflow|profile/.test(type)) return "call";
  return "step";
}

/**
 * Draws the flow into a new <svg>. `marks` maps a state name to "error" or "warning";
 * `onSelect(name)` is called when a box is clicked. All text goes in through textContent.
 */
export function renderSvg(doc, def, { marks = {}, onSelect = null } = {}) {
  const g = layout(graphOf(def));
  const svg = doc.createElementNS(SVG, "svg");
  svg.setAttribute("class", "flowgraph");
  svg.setAttribute("viewBox", `0 0 ${Math.ceil(g.width)} ${Math.ceil(g.height)}`);
  svg.setAttribute("width", String(Math.ceil(g.width)));
  svg.setAttribute("height", String(Math.ceil(g.height)));
  svg.setAttribute("role", "img");
  const defs = doc.createElementNS(SVG, "defs");
  const marker = doc.createElementNS(SVG, "marker");
  for (const [k, v] of Object.entries({ id: "fg-arrow", viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" }))
    marker.setAttribute(k, v);
  const tip = doc.createElementNS(SVG, "path");
  tip.setAttribute("d", "M0,0 L10,5 L0,10 z");
  tip.setAttribute("class", "fg-tip");
  marker.append(tip);
  defs.append(marker);
  svg.append(defs);
  const edgeLayer = doc.createElementNS(SVG, "g");
  const labelLayer = doc.createElementNS(SVG, "g");
  for (const e of g.edges) {
    const p = doc.createElementNS(SVG, "path");
    p.setAttribute("d", e.path);
    p.setAttribute("class", e.back ? "fg-edge fg-back" : "fg-edge");
    p.setAttribute("marker-end", "url(#fg-arrow)");
    p.dataset.from = e.from;
    p.dataset.to = e.to;
    edgeLayer.append(p);
    if (e.label) {
      const t = doc.createElementNS(SVG, "text");
      t.setAttribute("x", String(e.labelAt.x));
      t.setAttribute("y", String(e.labelAt.y));
      t.setAttribute("class", "fg-label");
      t.setAttribute("text-anchor", e.back ? "end" : "middle");
      t.textContent = e.label;
      labelLayer.append(t);
    }
  }
  const nodeLayer = doc.createElementNS(SVG, "g");
  for (const node of g.nodes) {
    const grp = doc.createElementNS(SVG, "g");
    const mark = marks[node.id];
    grp.setAttribute("class", `fg-state fg-${kindOf(node.type)}${mark ? " fg-" + mark : ""}`);
    grp.setAttribute("transform", `translate(${node.x},${node.y})`);
    grp.dataset.state = node.id;
    const title = doc.createElementNS(SVG, "title");
    title.textContent = `${node.id} (${node.type})`;
    const rect = doc.createElementNS(SVG, "rect");
    for (const [k, v] of Object.entries({ width: node.w, height: node.h, rx: 8 })) rect.setAttribute(k, String(v));
    const name = doc.createElementNS(SVG, "text");
    name.setAttribute("x", "12");
    name.setAttribute("y", "23");
    name.setAttribute("class", "fg-name");
    name.textContent = node.id.length > 22 ? node.id.slice(0, 21) + "…" : node.id;
    const type = doc.createElementNS(SVG, "text");
    type.setAttribute("x", "12");
    type.setAttribute("y", "42");
    type.setAttribute("class", "fg-type");
    type.textContent = node.type;
    grp.append(title, rect, name, type);
    if (onSelect) grp.addEventListener("click", () => onSelect(node.id));
    nodeLayer.append(grp);
  }
  svg.append(edgeLayer, nodeLayer, labelLayer);
  return svg;
}
