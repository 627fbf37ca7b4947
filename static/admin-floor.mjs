// The supervisor's floor (issue 17; Twilio Flex's Teams and Real-time Queues views on one page):
// queues (waiting, longest wait, agents free, service level today), agents (activity and time in
// it, capacity used, open tasks), every live task with the supervisor's repairs, the Studio
// executions still running, and a live chat read read-only. One answer from
// /admin/api/workspaces/{WS}/floor, redrawn on every workspace event (long-poll) and on a slow
// tick; clocks count up between answers.
import { api, el, h, listAll, follow, duration, toast, when, midnight } from "/static/common.mjs";

const STATUS = { pending: "Waiting", reserved: "Ringing", assigned: "Talking", wrapping: "Wrapping up" };
/** A bar for a percentage (its width through CSSOM: the CSP forbids style attributes). */
function meter(pct) {
  const bar = h("span");
  bar.style.width = `${Math.min(100, Math.max(0, pct))}%`;
  return h("span", { class: `meter ${pct >= 80 ? "good" : pct >= 50 ? "fair" : "poor"}` }, bar);
}
const clock = (t) => when(t, "time");

export async function view(root, ctx) {
  const ws = await ctx.workspace();
  if (!ws) throw new Error("no TaskRouter workspace yet");
  const base = `/v1/Workspaces/${ws}`;
  const updated = el("span", "", "muted");
  const queuesBody = h("tbody", { id: "floor-queues" });
  const agentsBody = h("tbody", { id: "floor-agents" });
  const tasksBody = h("tbody", { id: "floor-tasks" });
  const execBody = h("tbody", { id: "floor-executions" });
  const reader = h("section", { class: "card hidden", id: "chat-reader" });
  const head = (...t) => h("thead", {}, h("tr", {}, ...t.map((x) => el("th", x))));
  // Each cell carries its column's name: the phone layout shows rows as cards with labels.
  const labelled = (tbody) => {
    const names = [...tbody.parentElement.querySelectorAll("th")].map((th) => th.textContent);
    for (const tr of tbody.rows) [...tr.cells].forEach((td, i) => { if (td.colSpan === 1) td.dataset.label = names[i] || ""; });
  };
  root.append(
    h("section", { class: "card" }, h("div", { class: "row" }, el("h2", "Queues"), h("span", { class: "spacer" }), h("span", { class: "live-dot", title: "Live: updates as things happen" }), updated),
      h("div", { class: "scroll" }, h("table", { class: "floor" }, head("Queue", "Waiting", "Longest wait", "Agents free", "Answered today", "Service level today"), queuesBody))),
    h("section", { class: "card" }, el("h2", "Agents"),
      h("div", { class: "scroll" }, h("table", { class: "floor" }, head("Agent", "Activity", "In activity", "Capacity used", "Tasks"), agentsBody))),
    h("section", { class: "card" }, el("h2", "Live tasks"),
      el("p", "A task that is stuck (an agent gone, nobody answering, the wrong queue) can be completed, canceled, moved or given to an agent.", "muted"),
      h("div", { class: "scroll" }, h("table", { class: "floor" }, head("Customer", "Channel", "Queue", "Status", "Agent", "Age", "Action"), tasksBody))),
    reader,
    h("section", { class: "card" }, el("h2", "Studio flows running"),
      h("div", { class: "scroll" }, h("table", { class: "floor" }, head("Flow", "Contact", "Started", "Running for", ""), execBody))));

  let floor = null, fetchedAt = 0, activities = [], flows = new Map();
  const ticking = []; // [element, seconds at fetch]
  const chosen = new Map(); // task SID → the action picked, kept across live redraws
  const since = (s) => { const e = el("span", duration(s), "num"); ticking.push([e, s]); return e; };

  async function loadStatic() {
    const [acts, fl] = await Promise.all([listAll(`${base}/Activities`, "activities"), listAll("/v2/Flows", "flows").catch(() => [])]);
    activities = acts;
    flows = new Map(fl.map((f) => [f.sid, f.friendly_name]));
  }

  function drawQueues() {
    queuesBody.replaceChildren(...floor.queues.map((q) => {
      const sl = q.service_level;
      const slCell = h("td", { class: "sl" }, sl === null ? el("span", "no customers yet", "muted") :
        h("span", {}, meter(sl),
          el("b", `${sl}%`), el("span", ` within ${q.sla_seconds}s (${q.answered_within_sla} of ${q.offered_today})`, "muted")));
      const free = h("td", { class: "num free", title: q.free_agent_names.join(", ") || "nobody can take a task now" }, String(q.free_agents), el("span", ` of ${q.eligible_agents}`, "muted"));
      return h("tr", { dataset: { queue: q.name } }, el("td", q.name),
        el("td", q.waiting, `num waiting ${q.waiting ? "hot" : ""}`), h("td", {}, q.waiting ? since(q.longest_wait) : el("span", "—", "muted")),
        free, el("td", q.answered_today, "num"), slCell);
    }));
  }

  function activitySelect(a) {
    const sel = h("select", { "aria-label": `Activity of ${a.name}`, dataset: { worker: a.sid } },
      ...activities.map((x) => h("option", { value: x.sid, text: x.friendly_name })));
    sel.value = a.activity_sid;
    sel.addEventListener("change", async () => {
      const name = sel.selectedOptions[0].textContent;
      sel.disabled = true;
      try {
        await api("POST", `${base}/Workers/${a.sid}`, { ActivitySid: sel.value });
        toast(`${a.name} is now ${name}`);
      } catch (e) {
        sel.value = a.activity_sid;
        toast(`Could not change ${a.name}'s activity: ${e.message}`, true);
      } finally {
        sel.disabled = false;
        refresh();
      }
    });
    return sel;
  }

  // Channels in use as "chat 1/2" (red when full); the idle ones summed up, named on hover.
  function capacityCell(a) {
    const used = a.channels.filter((c) => c.used > 0);
    const idle = a.channels.filter((c) => c.used === 0 && c.capacity > 0);
    const cell = h("td", { class: "capacity" }, ...used.map((c) => el("span", `${c.channel} ${c.used}/${c.capacity}`, `chip ${c.used >= c.capacity ? "full" : "busy"}`)));
    if (idle.length) {
      const rest = el("span", used.length ? `+${idle.length} idle` : `nothing in use (${idle.length} channels)`, "muted small");
      rest.title = idle.map((c) => `${c.channel} 0/${c.capacity}`).join(", ");
      cell.append(rest);
    }
    return cell;
  }

  function drawAgents() {
    if (!floor.agents.length) {
      agentsBody.replaceChildren(h("tr", {}, h("td", { colspan: 5, class: "muted" }, "No agents yet: add workers on the Workers page.")));
      return;
    }
    agentsBody.replaceChildren(...floor.agents.map((a) => h("tr", { dataset: { agent: a.name } },
      h("td", {}, el("b", a.name)),
      h("td", {}, h("span", { class: `dot ${a.available ? "on" : "off"}` }), activitySelect(a)),
      h("td", {}, since(a.in_activity)),
      capacityCell(a),
      h("td", { class: "agent-tasks" }, ...(a.tasks.length ? a.tasks.map((t) =>
        h("span", { class: `chip task ${t.status}`, dataset: { task: t.sid } }, `${t.customer || "Customer"} · ${STATUS[t.status] || t.status} `, since(t.in_status))) : [el("span", "—", "muted")])))));
  }

  function actionPicker(t) {
    const sel = h("select", { "aria-label": `Action for ${t.customer || "task"}`, class: "action" },
      h("option", { value: "", text: "Choose…" }),
      h("option", { value: "complete", text: "Force-complete" }),
      h("option", { value: "cancel", text: "Cancel" }),
      t.status !== "wrapping" ? h("optgroup", { label: "Move to queue" }, ...floor.queues.filter((q) => q.sid !== t.queue_sid).map((q) => h("option", { value: `requeue:${q.sid}`, text: q.name }))) : null,
      t.status !== "wrapping" ? h("optgroup", { label: "Give to agent" }, ...floor.agents.filter((a) => a.sid !== t.worker_sid).map((a) => h("option", { value: `reassign:${a.sid}`, text: a.name }))) : null);
    if (chosen.has(t.sid)) sel.value = chosen.get(t.sid);
    sel.addEventListener("change", () => chosen.set(t.sid, sel.value));
    const go = h("button", { type: "button", class: "secondary apply" }, "Apply");
    go.addEventListener("click", async () => {
      const [action, target] = sel.value.split(":");
      if (!action) return toast("Choose what to do with the task first", true);
      const label = sel.selectedOptions[0].textContent;
      const params = { Action: action, Reason: "from the supervisor's floor" };
      if (action === "requeue") params.TaskQueueSid = target;
      if (action === "reassign") params.WorkerSid = target;
      go.disabled = true;
      chosen.delete(t.sid);
      try {
        await api("POST", `${base}/Tasks/${t.sid}/Repair`, params, { headers: { "If-Match": `"${t.version}"` } });
        const what = { complete: "force-completed", cancel: "canceled", requeue: `moved to ${label}`, reassign: `given to ${label}` }[action];
        toast(`${t.customer || "The task"}: ${what}`);
      } catch (e) {
        toast(e.status === 412 ? e.message : `Not done: ${e.message}`, true);
      } finally {
        go.disabled = false;
        refresh();
      }
    });
    return h("td", { class: "actions" }, sel, go);
  }

  function drawTasks() {
    if (!floor.tasks.length) {
      tasksBody.replaceChildren(h("tr", {}, h("td", { colspan: 7, class: "muted" }, "No live tasks: nobody is waiting or being served.")));
      return;
    }
    tasksBody.replaceChildren(...floor.tasks.map((t) => h("tr", { dataset: { task: t.sid, status: t.status } },
      h("td", { class: "customer" }, el("b", t.customer || "Customer"), t.conversation_sid ? h("button", { type: "button", class: "secondary small read", onclick: () => readChat(t) }, "Read chat") : null),
      el("td", t.channel), el("td", t.queue || "—"),
      el("td", STATUS[t.status] || t.status, `badge ${t.status}`), el("td", t.worker || "—"),
      h("td", {}, since(t.age)), actionPicker(t))));
  }

  async function drawExecutions() {
    let list = [];
    try { list = (await api("GET", "/v2/Executions?Status=active&PageSize=50")).executions || []; } catch { /* Studio's list is optional here */ }
    if (!list.length) {
      execBody.replaceChildren(h("tr", {}, h("td", { colspan: 5, class: "muted" }, "No flow is running.")));
      return;
    }
    execBody.replaceChildren(...list.map((x) => {
      const end = h("button", { type: "button", class: "secondary end" }, "End");
      end.addEventListener("click", async () => {
        end.disabled = true;
        try {
          await api("POST", `/v2/Flows/${x.flow_sid}/Executions/${x.sid}`, { Status: "ended" });
          toast(`Ended ${flows.get(x.flow_sid) || "the flow"} for ${x.contact_channel_address}`);
        } catch (e) {
          toast(`Could not end it: ${e.message}`, true);
        } finally {
          refresh();
        }
      });
      const age = (Date.now() - Date.parse(x.date_created)) / 1000;
      return h("tr", { dataset: { execution: x.sid } }, el("td", flows.get(x.flow_sid) || "a flow"), el("td", x.contact_channel_address),
        el("td", clock(x.date_created)), h("td", {}, since(age)), h("td", {}, end));
    }));
  }

  // A live chat, read-only: the conversation's messages, followed on its own long-poll.
  let stopReader = null;
  async function readChat(t) {
    if (stopReader) stopReader();
    const log = h("ol", { class: "chat-log reader", id: "reader-log" });
    const close = h("button", { type: "button", class: "secondary" }, "Close");
    reader.replaceChildren(h("div", { class: "row" }, el("h2", `Chat with ${t.customer || "the customer"}`), el("span", "read-only", "badge"), h("span", { class: "spacer" }), close), log);
    reader.classList.remove("hidden");
    const agents = new Map(floor.agents.map((a) => [a.friendly_name, a.name]));
    const who = (m) => m.author === "bot" ? ["bot", "Bot"] : m.author === t.customer_address ? ["customer", t.customer || "Customer"] :
      !m.author || m.author === "system" ? ["system", ""] : ["agent", agents.get(m.author) || m.author];
    const seen = new Set();
    async function load() {
      const page = await api("GET", `/v1/Conversations/${t.conversation_sid}/Messages?PageSize=200`);
      for (const m of page.messages || []) {
        if (seen.has(m.index)) continue;
        seen.add(m.index);
        const [role, name] = who(m);
        log.append(h("li", { class: `chat-msg role-${role} ${role === "customer" ? "" : "mine"}`, dataset: { role } },
          name ? el("span", name, "chat-who") : "", el("p", m.body || "", "chat-body"), el("span", clock(m.date_created), "chat-meta")));
      }
      log.scrollTop = log.scrollHeight;
    }
    const stop = follow("/admin/api/events", t.conversation_sid, () => load().catch(() => {}));
    stopReader = () => { stop(); stopReader = null; };
    close.addEventListener("click", () => { stopReader && stopReader(); reader.classList.add("hidden"); });
    ctx.stop.push(() => stopReader && stopReader());
    await load().catch((e) => log.append(el("li", `Could not read the chat: ${e.message}`, "error")));
    reader.scrollIntoView({ block: "nearest" });
  }

  let busy = false, again = false;
  async function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    try {
      floor = await api("GET", `/admin/api/workspaces/${ws}/floor?Since=${encodeURIComponent(midnight())}`);
      fetchedAt = Date.now();
      ticking.length = 0;
      drawQueues();
      drawAgents();
      drawTasks();
      await drawExecutions();
      for (const b of [queuesBody, agentsBody, tasksBody, execBody]) labelled(b);
      updated.textContent = `updated ${when(Date.now(), "seconds")}`;
    } catch (e) {
      updated.textContent = `not updating: ${e.message}`;
    } finally {
      busy = false;
      if (again) { again = false; refresh(); }
    }
  }
  await loadStatic();
  await refresh();
  const quiet = () => refresh();
  const tick = setInterval(() => {
    const gone = (Date.now() - fetchedAt) / 1000;
    for (const [e, s] of ticking) e.textContent = duration(s + gone);
  }, 1000);
  const slow = setInterval(quiet, 15000);
  ctx.stop.push(() => { clearInterval(tick); clearInterval(slow); });
  ctx.stop.push(follow("/admin/api/events", ws, quiet));
}
