// The Studio canvas: every state drawn where its `properties.offset` puts it (Twilio's export
// coordinates, so imported flows keep their layout), with one port per transition along its
// bottom edge (the event's name is on the port, never on the arrow, so no label is clipped or
// lies on a box). Nodes move by dragging; a transition connects by dragging from its port onto
// another node; widgets dropped from the palette are added where they land. `geometry` is pure
// (tested under node against the corpus); `mountCanvas` builds SVG with textContent only.
import { labelOf, BY_TYPE } from "./studio-widgets.mjs";

export const NODE = { w: 200, head: 44, port: 24, pad: 6, margin: 60, maxRow: 460 };
const CHAR = 6.3; // px per character of the 11px port labels
const MAX_LABEL = 24;

// The trigger's events as Twilio's canvas names them.
const EVENT_LABELS = { incomingMessage: "Incoming Message", incomingCall: "Incoming Call", incomingConversationMessage: "Incoming Conversation", incomingRequest: "REST API", incomingParent: "Subflow" };

function portLabel(t, type) {
  const c = Array.isArray(t.conditions) && t.conditions[0];
  const text = c && c.friendly_name ? c.friendly_name : (type === "trigger" && EVENT_LABELS[t.event]) || String(t.event || "");
  return text.length > MAX_LABEL ? text.slice(0, MAX_LABEL - 1) + "…" : text;
}

/** Boxes and ports of every state from its offset; ports are laid out left to right. */
export function geometry(def) {
  const states = (def && Array.isArray(def.states) ? def.states : []).filter((s) => s && typeof s.name === "string");
  const nodes = [];
  const byName = new Map();
  states.forEach((s, i) => {
    const off = (s.properties && s.properties.offset) || {};
    const x = Number.isFinite(+off.x) ? +off.x : 0;
    const y = Number.isFinite(+off.y) ? +off.y : i * 140;
    const trans = Array.isArray(s.transitions) ? s.transitions : [];
    const widths = trans.map((t) => Math.max(44, portLabel(t, s.type).length * CHAR + 16));
    // Ports fill rows of at most maxRow px (a split with many conditions wraps, as Twilio's does).
    let px = NODE.pad, py = NODE.head + NODE.pad, widest = 0;
    const ports = trans.map((t, k) => {
      if (px > NODE.pad && px + widths[k] > NODE.maxRow) { px = NODE.pad; py += NODE.port + 4; }
      const p = { index: k, event: t.event, label: portLabel(t, s.type), next: typeof t.next === "string" ? t.next : null, x: px, y: py, w: widths[k], h: NODE.port };
      px += widths[k] + 4;
      widest = Math.max(widest, px - 4 + NODE.pad);
      return p;
    });
    const w = Math.max(NODE.w, widest);
    const h = trans.length ? py + NODE.port + NODE.pad : NODE.head + NODE.pad;
    const node = { id: s.name, type: s.type, x, y, w, h, ports };
    nodes.push(node);
    if (!byName.has(s.name)) byName.set(s.name, node);
  });
  // Two boxes on top of each other (flows exported with duplicate or too-close offsets) are
  // drawn apart: the later one is shown lower. Only the picture moves; the offset is kept
  // until the person drags that node.
  for (let i = 1; i < nodes.length; i++) {
    const n = nodes[i];
    for (let guard = 0; guard < 50; guard++) {
      const hit = nodes.slice(0, i).find((m) => n.x < m.x + m.w && m.x < n.x + n.w && n.y < m.y + m.h && m.y < n.y + n.h);
      if (!hit) break;
      n.y = hit.y + hit.h + 40;
      n.nudged = true;
    }
  }
  const edges = [];
  for (const a of nodes)
    for (const p of a.ports) {
      const b = p.next && byName.get(p.next);
      if (b) edges.push({ from: a.id, to: b.id, port: p.index, path: edgePath(a, p, b) });
    }
  const xs = nodes.flatMap((n) => [n.x, n.x + n.w]), ys = nodes.flatMap((n) => [n.y, n.y + n.h]);
  const bounds = nodes.length ? { x: Math.min(...xs) - NODE.margin, y: Math.min(...ys) - NODE.margin, w: Math.max(...xs) - Math.min(...xs) + 2 * NODE.margin, h: Math.max(...ys) - Math.min(...ys) + 2 * NODE.margin }
    : { x: 0, y: 0, w: 600, h: 400 };
  return { nodes, edges, bounds, byName };
}

/** From the bottom of port `p` of `a` to the top of `b` (round the side when `b` is above). */
export function edgePath(a, p, b) {
  const sx = a.x + p.x + p.w / 2, sy = a.y + p.y + p.h;
  const tx = b.x + b.w / 2, ty = b.y;
  if (ty > sy + 8) {
    const dy = Math.max(30, (ty - sy) / 2);
    return `M${sx},${sy} C${sx},${sy + dy} ${tx},${ty - dy} ${tx},${ty - 7}`;
  }
  // Upwards (a loop): out below, round the right of both boxes, in from above.
  const side = Math.max(a.x + a.w, b.x + b.w) + 40;
  return `M${sx},${sy} C${sx},${sy + 60} ${side},${sy + 60} ${side},${(sy + ty) / 2} S${tx},${ty - 60} ${tx},${ty - 7}`;
}

/** Pairs of nodes whose boxes overlap (the corpus layout check). */
export function overlaps(g) {
  const out = [];
  for (let i = 0; i < g.nodes.length; i++)
    for (let j = i + 1; j < g.nodes.length; j++) {
      const a = g.nodes[i], b = g.nodes[j];
      if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) out.push([a.id, b.id]);
    }
  return out;
}

const SVG = "http://www.w3.org/2000/svg";
function s(tag, attrs = {}, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function groupOf(type) {
  if (type === "trigger") return "trigger";
  const w = BY_TYPE[type];
  return w ? w.group.toLowerCase() : "unknown";
}

/**
 * Mounts the canvas into `host`. `opts`: getDef() → the definition (mutated in place by moves
 * and connections), onChange(what), onSelect(name|null), onAdd(type, point), marks() → {name:
 * {level, messages}}. Returns {render, fit, zoomBy, select, center(name)}.
 */
export function mountCanvas(host, opts) {
  const svg = s("svg", { class: "studio-canvas", role: "application", "aria-label": "Flow canvas" });
  const defs = s("defs");
  const marker = s("marker", { id: "sc-arrow", viewBox: "0 0 10 10", refX: "8", refY: "5", markerWidth: "8", markerHeight: "8", orient: "auto-start-reverse" });
  marker.append(s("path", { d: "M0,0 L10,5 L0,10 z", class: "sc-tip" }));
  defs.append(marker);
  const edgeLayer = s("g"), nodeLayer = s("g"), dragLayer = s("g");
  svg.append(defs, edgeLayer, nodeLayer, dragLayer);
  host.replaceChildren(svg);
  let zoom = 1, g = null, view = null, selected = null;
  // A render asked for while a node or a connection is being dragged waits for the drop.
  let dragging = false, pending = null;

  const toWorld = (cx, cy) => {
    const pt = svg.createSVGPoint();
    pt.x = cx; pt.y = cy;
    const m = svg.getScreenCTM();
    const r = m ? pt.matrixTransform(m.inverse()) : { x: cx, y: cy };
    return { x: r.x, y: r.y };
  };

  function sizeTo(bounds) {
    view = bounds;
    svg.setAttribute("viewBox", `${bounds.x} ${bounds.y} ${bounds.w} ${bounds.h}`);
    svg.setAttribute("width", String(Math.ceil(bounds.w * zoom)));
    svg.setAttribute("height", String(Math.ceil(bounds.h * zoom)));
  }

  function drawEdges() {
    edgeLayer.replaceChildren(...g.edges.map((e) => {
      const p = s("path", { d: e.path, class: "sc-edge" + (selected && (e.from === selected || e.to === selected) ? " sc-hot" : ""), "marker-end": "url(#sc-arrow)" });
      p.dataset.from = e.from; p.dataset.to = e.to; p.dataset.port = e.port;
      return p;
    }));
  }

  function render({ keepView = false } = {}) {
    if (dragging) { pending = { keepView: keepView && (!pending || pending.keepView) }; return; }
    g = geometry(opts.getDef());
    const marks = opts.marks ? opts.marks() : {};
    nodeLayer.replaceChildren();
    for (const n of g.nodes) {
      const mark = marks[n.id];
      const grp = s("g", { class: `sc-node sc-${groupOf(n.type)}${mark ? " sc-" + mark.level : ""}${n.id === selected ? " sc-selected" : ""}`, transform: `translate(${n.x},${n.y})`, tabindex: "0" });
      grp.dataset.state = n.id;
      grp.append(s("title", {}, mark ? `${n.id}: ${mark.messages.join("; ")}` : `${n.id} (${labelOf(n.type)})`));
      grp.append(s("rect", { class: "sc-box", width: n.w, height: n.h, rx: 6 }));
      grp.append(s("rect", { class: "sc-band", width: 5, height: n.h, rx: 2 }));
      grp.append(s("text", { x: 14, y: 17, class: "sc-type" }, labelOf(n.type).toUpperCase()));
      grp.append(s("text", { x: 14, y: 35, class: "sc-name" }, n.id.length > 28 ? n.id.slice(0, 27) + "…" : n.id));
      if (mark) {
        const badge = s("g", { class: "sc-badge", transform: `translate(${n.w - 14},14)` });
        badge.append(s("circle", { r: 9 }), s("text", { y: 4, "text-anchor": "middle" }, mark.level === "error" ? "!" : "?"));
        grp.append(badge);
      }
      for (const p of n.ports) {
        const port = s("g", { class: "sc-port" + (p.next ? " sc-linked" : ""), transform: `translate(${p.x},${p.y})` });
        port.dataset.port = String(p.index);
        port.append(s("title", {}, p.next ? `${p.label} → ${p.next} (drag to another widget to change)` : `${p.label}: drag to a widget to connect`));
        port.append(s("rect", { width: p.w, height: p.h, rx: p.h / 2 }));
        port.append(s("text", { x: p.w / 2, y: 16, "text-anchor": "middle" }, p.label));
        port.append(s("circle", { cx: p.w / 2, cy: p.h, r: 3.5, class: "sc-dot" }));
        grp.append(port);
      }
      nodeLayer.append(grp);
    }
    drawEdges();
    if (!keepView || !view) sizeTo(g.bounds);
    else {
      // Grow the view to hold what moved; never shrink it under the user's pointer.
      const b = g.bounds;
      const x = Math.min(view.x, b.x), y = Math.min(view.y, b.y);
      sizeTo({ x, y, w: Math.max(view.x + view.w, b.x + b.w) - x, h: Math.max(view.y + view.h, b.y + b.h) - y });
    }
  }

  function stateOf(name) {
    return (opts.getDef().states || []).find((st) => st && st.name === name);
  }

  // Moving a node, or dragging a connection from a port.
  svg.addEventListener("pointerdown", (ev) => {
    if (ev.button !== 0) return;
    const nodeEl = ev.target.closest && ev.target.closest(".sc-node");
    if (!nodeEl) { select(null); return; }
    const name = nodeEl.dataset.state;
    const portEl = ev.target.closest(".sc-port");
    const start = toWorld(ev.clientX, ev.clientY);
    svg.setPointerCapture(ev.pointerId);
    ev.preventDefault();
    dragging = true;
    const done = () => {
      dragging = false;
      if (pending) { const p = pending; pending = null; render(p); }
    };
    if (portEl) {
      const index = +portEl.dataset.port;
      const node = g.byName.get(name);
      const p = node.ports[index];
      const sx = node.x + p.x + p.w / 2, sy = node.y + p.y + p.h;
      const line = s("path", { class: "sc-edge sc-dragging", "marker-end": "url(#sc-arrow)" });
      dragLayer.append(line);
      const move = (e) => {
        const w = toWorld(e.clientX, e.clientY);
        line.setAttribute("d", `M${sx},${sy} C${sx},${sy + 40} ${w.x},${w.y - 40} ${w.x},${w.y}`);
      };
      const up = (e) => {
        svg.removeEventListener("pointermove", move);
        svg.removeEventListener("pointerup", up);
        line.remove();
        done();
        const hit = document.elementFromPoint(e.clientX, e.clientY);
        const target = hit && hit.closest && hit.closest(".sc-node");
        const st = stateOf(name);
        if (!st) return;
        if (target && target.dataset.state !== name) {
          st.transitions[index].next = target.dataset.state;
          opts.onChange(`connected ${p.label} of ${name} to ${target.dataset.state}`);
        } else if (!target && Math.hypot(toWorld(e.clientX, e.clientY).x - sx, toWorld(e.clientX, e.clientY).y - sy) < 8) {
          select(name);
        }
      };
      svg.addEventListener("pointermove", move);
      svg.addEventListener("pointerup", up);
      return;
    }
    const st = stateOf(name);
    if (!st) { done(); return; }
    st.properties = st.properties || {};
    const drawn = g.byName.get(name);
    const from = { x: drawn.x, y: drawn.y };
    let moved = false;
    const move = (e) => {
      const w = toWorld(e.clientX, e.clientY);
      const dx = w.x - start.x, dy = w.y - start.y;
      if (!moved && Math.hypot(dx, dy) < 3) return;
      moved = true;
      st.properties.offset = { x: Math.round(from.x + dx), y: Math.round(from.y + dy) };
      nodeEl.setAttribute("transform", `translate(${st.properties.offset.x},${st.properties.offset.y})`);
      const node = g.byName.get(name);
      node.x = st.properties.offset.x; node.y = st.properties.offset.y;
      for (const e2 of g.edges) if (e2.from === name || e2.to === name) e2.path = edgePath(g.byName.get(e2.from), g.byName.get(e2.from).ports[e2.port], g.byName.get(e2.to));
      drawEdges();
    };
    const up = () => {
      svg.removeEventListener("pointermove", move);
      svg.removeEventListener("pointerup", up);
      done();
      if (moved) opts.onChange(`moved ${name}`, { keepView: true });
      else select(name);
    };
    svg.addEventListener("pointermove", move);
    svg.addEventListener("pointerup", up);
  });

  svg.addEventListener("keydown", (ev) => {
    const nodeEl = ev.target.closest && ev.target.closest(".sc-node");
    if (nodeEl && (ev.key === "Enter" || ev.key === " ")) { ev.preventDefault(); select(nodeEl.dataset.state); }
  });

  // Widgets dragged from the palette.
  host.addEventListener("dragover", (ev) => {
    if (ev.dataTransfer && [...ev.dataTransfer.types].includes("application/x-studio-widget")) { ev.preventDefault(); ev.dataTransfer.dropEffect = "copy"; }
  });
  host.addEventListener("drop", (ev) => {
    const type = ev.dataTransfer && ev.dataTransfer.getData("application/x-studio-widget");
    if (!type) return;
    ev.preventDefault();
    const w = toWorld(ev.clientX, ev.clientY);
    opts.onAdd(type, { x: w.x - NODE.w / 2, y: w.y - 20 });
  });

  function select(name) {
    selected = name;
    for (const n of nodeLayer.children) n.classList.toggle("sc-selected", n.dataset.state === name);
    if (g) drawEdges();
    opts.onSelect(name);
  }

  function setZoom(z) {
    zoom = Math.min(2, Math.max(0.15, z));
    if (view) sizeTo(view);
    return zoom;
  }

  return {
    render,
    select,
    selected: () => selected,
    zoomBy: (k) => setZoom(zoom * k),
    fit: () => {
      const b = geometry(opts.getDef()).bounds;
      const avail = Math.max(200, host.clientWidth - 4);
      const availH = Math.max(300, host.clientHeight - 4);
      setZoom(Math.min(1, avail / b.w, Math.max(availH, 500) / b.h));
      render();
      return zoom;
    },
    zoom: () => zoom,
    center(name) {
      const n = g && g.byName.get(name);
      if (!n) return;
      host.scrollLeft = (n.x - view.x) * zoom - host.clientWidth / 2 + (n.w * zoom) / 2;
      host.scrollTop = (n.y - view.y) * zoom - host.clientHeight / 2 + (n.h * zoom) / 2;
    },
    viewPoint() {
      // The world point at the centre of what is visible (where a clicked palette item lands).
      if (!view) return { x: 0, y: 0 };
      return { x: view.x + (host.scrollLeft + host.clientWidth / 2) / zoom, y: view.y + (host.scrollTop + host.clientHeight / 3) / zoom };
    },
  };
}
