// Reports (issue 17, item 3; what Flex Insights gives a small center): per day or hour of the
// office's local time, per queue or per agent — offered, handled, abandoned, service level, speed
// of answer, handle and wrap-up time, wrap-up codes (/admin/api/workspaces/{WS}/reports/…).
// The charts are SVG drawn here from the figures (nothing from another host; every label is
// textContent); rows are named by queue and agent names, never SIDs. The CSV download asks for
// the range a page of intervals at a time (X-Next-Start) and saves the parts as one file.
import { api, el, h, duration, toast, ApiError, officeZone, localDate } from "/static/common.mjs";

const SVG = "http://www.w3.org/2000/svg";
const COLORS = { handled: "#1a7f37", abandoned: "#cf222e", waiting: "#b8c1d1", sl: "#2151d1" };

/** An SVG element with attributes; text (a label) only through textContent. */
function s(tag, attrs = {}, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = String(text);
  return e;
}

/** yyyy-mm-dd of a local date. */
function ymd(d) {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

/** The local day after a yyyy-mm-dd (the range's exclusive end). */
function dayAfter(value) {
  const [y, m, d] = value.split("-").map(Number);
  return ymd(new Date(y, m - 1, d + 1));
}

const secs = (v) => (v === null || v === undefined ? "—" : duration(v));
const pct = (v) => (v === null || v === undefined ? "—" : `${v}%`);
const num = (v) => (v === null || v === undefined ? "—" : String(v));
const codesText = (codes) => codes.map((c) => `${c.code} ${c.tasks}`).join(", ") || "—";

export async function view(root, ctx) {
  const ws = await ctx.workspace();
  const tz = officeZone();
  const q = new URLSearchParams(location.hash.split("?")[1] || "");
  const today = localDate();
  const weekAgo = localDate(Date.now() - 6 * 86_400_000);
  const select = (name, label, options, value) => {
    const sel = h("select", { name, "aria-label": label }, ...options.map(([v, t]) => h("option", { value: v, text: t })));
    sel.value = value;
    return sel;
  };
  const date = (name, label, value) => h("label", { class: "inline-label" }, `${label} `, h("input", { name, type: "date", "aria-label": label, value, required: true }));
  const form = h("form", { class: "inline search", id: "report-form" },
    select("By", "Rows", [["queues", "By queue"], ["agents", "By agent"]], q.get("By") || "queues"),
    select("Interval", "Interval", [["day", "Per day"], ["hour", "Per hour"]], q.get("Interval") || "day"),
    date("From", "From", q.get("From") || weekAgo), date("To", "to", q.get("To") || today),
    h("button", { type: "submit" }, "Show"), h("button", { type: "button", class: "secondary", id: "report-csv" }, "Download CSV"));
  const status = el("p", "", "muted");
  status.id = "report-status";
  const body = h("div", { id: "report" });
  root.append(h("section", { class: "card" }, el("h2", "Reports"),
    el("p", `Days and hours in ${tz}, the office's local time. A task counts in the interval it arrived in.`, "muted"),
    form, status, body));

  function params() {
    const f = new FormData(form);
    const p = new URLSearchParams({ Start: f.get("From"), End: f.get("To") ? dayAfter(f.get("To")) : "", Interval: f.get("Interval"), TimeZone: tz });
    return { by: f.get("By"), p };
  }

  async function load() {
    const { by, p } = params();
    status.className = "muted";
    status.textContent = "Counting…";
    try {
      const r = await api("GET", `/admin/api/workspaces/${ws}/reports/${by}?${p}`);
      body.replaceChildren(...render(r));
      const n = r.total.handled;
      status.textContent = r.rows.length ? `${r.intervals.length} ${r.interval === "day" ? "day" : "hour"}${r.intervals.length === 1 ? "" : "s"}, ${n} task${n === 1 ? "" : "s"} handled.` : "No task arrived in this range.";
    } catch (e) {
      body.replaceChildren();
      status.className = "error";
      // The server names what is wrong with the range; a reversed one is told in the form's words
      // (the API's End is the day after "to").
      const f = new FormData(form);
      status.textContent = !(e instanceof ApiError) ? `Could not count: ${e.message}`
        : /reversed/.test(e.message) ? `The range is reversed: “to” ${f.get("To")} is before “from” ${f.get("From")}. Choose a “to” day on or after the “from” day.`
        : e.message.replace(/^Invalid parameter \w+: /, "");
    }
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    history.replaceState(null, "", `#reports?${new URLSearchParams([...new FormData(form)])}`);
    load();
  });
  form.querySelector("#report-csv").addEventListener("click", () => {
    const { by, p } = params();
    const f = new FormData(form);
    download(ws, by, p, status, `${by}-${f.get("Interval")}-${f.get("From")}-to-${f.get("To")}.csv`);
  });
  await load();
}

function render(r) {
  const agents = r.by === "agents";
  const t = r.total;
  const tile = (label, value, id) => h("div", { class: "stat", dataset: { figure: id } }, el("b", value), el("span", label));
  const tiles = h("div", { class: "stats", id: "report-totals" },
    agents ? null : tile("Offered", num(t.offered), "offered"),
    tile("Handled", num(t.handled), "handled"),
    agents ? null : tile("Abandoned", num(t.abandoned), "abandoned"),
    tile("Service level", pct(t.service_level), "service_level"),
    tile("Avg speed of answer", secs(t.average_speed_of_answer), "asa"),
    tile("Avg handle time", secs(t.average_handle_time), "aht"),
    tile("Avg wrap-up", secs(t.average_wrapup_time), "wrapup"));
  const charts = h("div", { class: "report-charts" },
    h("figure", { class: "report-chart" }, el("figcaption", agents ? "Handled per interval" : "Tasks per interval"), volumeChart(r), legend(agents ? [["handled", "Handled"]] : [["handled", "Handled"], ["abandoned", "Abandoned"], ["waiting", "Not answered yet"]])),
    h("figure", { class: "report-chart" }, el("figcaption", "Service level per interval"), levelChart(r)),
    h("figure", { class: "report-chart" }, el("figcaption", "Wrap-up codes"), codesChart(t.wrapup_codes)));
  const head = [agents ? "Agent" : "Queue", ...(agents ? [] : ["Offered"]), "Handled", ...(agents ? [] : ["Abandoned"]), "Service level", "Avg answer", "Avg handle", "Avg wrap-up", "Wrap-up codes"];
  const cells = (x) => [
    ...(agents ? [] : [el("td", num(x.offered), "num")]), el("td", num(x.handled), "num"), ...(agents ? [] : [el("td", num(x.abandoned), "num")]),
    el("td", x.sla_seconds !== undefined ? `${pct(x.service_level)} ≤ ${x.sla_seconds}s` : pct(x.service_level), "num"),
    el("td", secs(x.average_speed_of_answer), "num"), el("td", secs(x.average_handle_time), "num"), el("td", secs(x.average_wrapup_time), "num"), el("td", codesText(x.wrapup_codes))];
  // Each cell carries its heading, which the phone layout shows beside it (app.css, table.floor).
  const table = (id, rows) => {
    for (const tr of rows) [...tr.children].forEach((td, i) => { if (i) td.dataset.label = head[i]; });
    return h("div", { class: "scroll" }, h("table", { class: "floor", id }, h("thead", {}, h("tr", {}, ...head.map((x) => el("th", x)))), h("tbody", {}, ...rows)));
  };
  const per = table("report-rows", r.rows.map((x) => h("tr", { dataset: { name: x.name } }, el("td", x.name), ...cells(x))));
  const byInterval = table("report-intervals", r.intervals.filter((b) => b.total.handled || b.total.offered).map((b) => h("tr", {}, el("td", b.label), ...cells(b.total))));
  byInterval.querySelector("th").textContent = r.interval === "day" ? "Day" : "Hour";
  return [tiles, charts, el("h3", agents ? "Per agent" : "Per queue"), per, h("details", {}, el("summary", `Per ${r.interval}`), byInterval)];
}

function legend(items) {
  return h("p", { class: "legend" }, ...items.map(([k, label]) => h("span", {}, swatch(COLORS[k]), ` ${label}`)));
}

function swatch(color) {
  const svg = s("svg", { width: 10, height: 10, viewBox: "0 0 10 10", "aria-hidden": "true" });
  svg.append(s("rect", { width: 10, height: 10, rx: 2, fill: color }));
  return svg;
}

// A chart's own units: about its width on the page, so its 10px labels read as 10px.
const W = 360, H = 170, L = 32, R = 6, T = 8, B = 22;

/** A chart's frame: the svg, its y grid up to `max` and the x labels of the intervals. */
function frame(r, max, label, unit = "") {
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, class: "report-svg", role: "img", "aria-label": label });
  const n = Math.max(r.intervals.length, 1);
  const step = (W - L - R) / n;
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4, y = H - B - ((H - T - B) * i) / 4;
    svg.append(s("line", { x1: L, x2: W - R, y1: y, y2: y, class: "grid" }));
    svg.append(s("text", { x: L - 4, y: y + 3, "text-anchor": "end", class: "tick" }, `${Math.round(v)}${unit}`));
  }
  const every = Math.ceil(n / 6);
  r.intervals.forEach((b, i) => {
    if (i % every) return;
    const short = r.interval === "day" ? b.label.slice(5) : (b.label.endsWith("00:00") || i === 0 ? `${b.label.slice(5, 10)} ${b.label.slice(11)}` : b.label.slice(11));
    svg.append(s("text", { x: L + step * (i + 0.5), y: H - B + 14, "text-anchor": "middle", class: "tick" }, short));
  });
  return { svg, step, y: (v) => H - B - ((H - T - B) * v) / (max || 1) };
}

/** Stacked bars per interval: handled, abandoned, the rest of what was offered. */
function volumeChart(r) {
  const agents = r.by === "agents";
  const top = (b) => (agents ? b.total.handled : b.total.offered);
  const max = Math.max(4, ...r.intervals.map(top));
  const nice = Math.ceil(max / 4) * 4;
  const { svg, step, y } = frame(r, nice, agents ? "Tasks handled per interval" : "Tasks per interval");
  r.intervals.forEach((b, i) => {
    const w = Math.min(Math.max(step * 0.7, 1), 36), x = L + step * (i + 0.5) - w / 2;
    const parts = agents ? [["handled", b.total.handled]] : [["handled", b.total.handled], ["abandoned", b.total.abandoned], ["waiting", b.total.offered - b.total.handled - b.total.abandoned]];
    let base = 0;
    const g = s("g", { class: "bar", "data-label": b.label });
    for (const [k, v] of parts) {
      if (v <= 0) continue;
      g.append(s("rect", { x, width: w, y: y(base + v), height: y(base) - y(base + v), fill: COLORS[k] }));
      base += v;
    }
    g.append(s("title", {}, agents ? `${b.label}: ${b.total.handled} handled` : `${b.label}: ${b.total.offered} offered, ${b.total.handled} handled, ${b.total.abandoned} abandoned`));
    svg.append(g);
  });
  return svg;
}

/** The service level per interval as a line (gaps where nothing was offered). */
function levelChart(r) {
  const { svg, step, y } = frame(r, 100, "Service level per interval", "%");
  let run = [];
  const flush = () => {
    if (run.length > 1) svg.append(s("polyline", { points: run.map(([x, v]) => `${x},${y(v)}`).join(" "), fill: "none", stroke: COLORS.sl, "stroke-width": 2 }));
    run = [];
  };
  r.intervals.forEach((b, i) => {
    const v = b.total.service_level;
    if (v === null || v === undefined) return flush();
    const x = L + step * (i + 0.5);
    run.push([x, v]);
    const dot = s("circle", { cx: x, cy: y(v), r: 3, fill: COLORS.sl, class: "point" });
    dot.append(s("title", {}, `${b.label}: ${v}% answered in time`));
    svg.append(dot);
  });
  flush();
  return svg;
}

/** Horizontal bars, one per wrap-up code. */
function codesChart(codes) {
  if (!codes.length) return el("p", "No wrap-up code was recorded in this range.", "muted");
  const shown = codes.slice(0, 10);
  const rowH = 20, width = 360, labelW = 100;
  const svg = s("svg", { viewBox: `0 0 ${width} ${shown.length * rowH + 4}`, class: "report-svg", role: "img", "aria-label": "Wrap-up codes" });
  const max = Math.max(...shown.map((c) => c.tasks));
  shown.forEach((c, i) => {
    const yv = i * rowH + 2, w = ((width - labelW - 36) * c.tasks) / max;
    svg.append(s("text", { x: labelW - 6, y: yv + 14, "text-anchor": "end", class: "tick" }, c.code.length > 16 ? `${c.code.slice(0, 15)}…` : c.code));
    svg.append(s("rect", { x: labelW, y: yv + 3, width: Math.max(w, 1), height: rowH - 8, rx: 2, fill: COLORS.sl, class: "code-bar" }));
    svg.append(s("text", { x: labelW + w + 6, y: yv + 14, class: "tick" }, String(c.tasks)));
  });
  return svg;
}

// The export asks for the range a page (168 intervals) at a time and saves the parts as one file.
async function download(ws, by, p, status, name) {
  const parts = [];
  let start = p.get("Start");
  status.className = "muted";
  status.textContent = "Exporting…";
  try {
    while (start) {
      const q = new URLSearchParams(p);
      q.set("Start", start);
      if (parts.length) q.set("Header", "false");
      const res = await fetch(`/admin/api/workspaces/${ws}/reports/${by}.csv?${q}`, { credentials: "same-origin" });
      if (!res.ok) throw new Error((await res.json().catch(() => ({}))).message || `HTTP ${res.status}`);
      parts.push(await res.text());
      start = res.headers.get("X-Next-Start");
      if (start) status.textContent = `Exporting… up to ${start.replace("T", " ")}`;
    }
  } catch (e) {
    status.className = "error";
    status.textContent = `Export failed: ${e.message}`;
    toast(`Export failed: ${e.message}`, true);
    return;
  }
  const a = h("a", { href: URL.createObjectURL(new Blob(parts, { type: "text/csv" })), download: name });
  document.body.append(a);
  a.click();
  a.remove();
  status.textContent = `Saved ${name}.`;
  toast(`Saved ${name}`);
}
