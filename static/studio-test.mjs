// The Studio editor's test run: a side panel (the whole screen on a phone) where the admin
// chats, as the customer, with one revision of the flow — a draft too — without publishing it.
// The server runs that revision for a test contact in a conversation of its own
// (/admin/api/studio/tests…, channels::test_runs); the panel shows the bot's replies and each
// step (widget, transition taken, outputs, flow variables) as it happens, through the parked
// long-poll of the run's events. Ending the test (or leaving the page) ends its execution.
import { api, el, h, follow, toast, ApiError } from "/static/common.mjs";

// Outputs a person reads in a step: not the trigger's plumbing (SIDs but the task's, identities).
const NOISE = /(^|\.)(Author|ChannelType|Source|From|To|Name|FriendlyName|Attributes|TestRun|NumMedia|Index|DateCreated|ConversationSid|MessageSid|ParticipantSid|FlexFlowSid|AccountSid|ChannelSid|InstanceSid|MediaUrl|TaskSid)$/;

/** One line per output leaf, `path = value`, at most `max`. */
export function outputLines(v, max = 4) {
  const out = [];
  const walk = (x, path) => {
    if (out.length >= max || NOISE.test(path)) return;
    if (x && typeof x === "object" && !Array.isArray(x)) {
      for (const [k, y] of Object.entries(x)) walk(y, path ? `${path}.${k}` : k);
    } else if (x !== null && x !== undefined && x !== "") {
      const s = typeof x === "string" ? JSON.stringify(x) : JSON.stringify(x);
      out.push(`${path} = ${s.length > 60 ? s.slice(0, 59) + "…" : s}`);
    }
  };
  walk(v, "");
  return out;
}

/**
 * Opens the panel on a new test run of `revision` of flow `flowSid`; `ctx.stop` ends it when the
 * page changes; `onStep(name)` shows a widget on the canvas. Throws the server's refusal.
 */
export async function openTestRun(ctx, { flowSid, revision, published, onStep }) {
  const params = revision ? { Revision: String(revision) } : {};
  const run = await api("POST", `/admin/api/studio/flows/${flowSid}/tests`, params);
  document.querySelectorAll(".studio-test").forEach((x) => x.remove());
  const chat = h("div", { class: "test-chat", id: "test-chat", "aria-live": "polite" });
  const steps = h("ol", { class: "test-steps", id: "test-steps" });
  const vars = h("div", { class: "test-vars", id: "test-vars" });
  const state = el("p", "", "muted test-state");
  state.id = "test-state";
  const input = h("input", { id: "test-input", placeholder: "Type as the customer…", maxlength: 1600, autocomplete: "off", "aria-label": "Message as the customer" });
  const send = h("button", { type: "submit", id: "test-send" }, "Send");
  const form = h("form", { class: "row test-form", id: "test-form" }, input, send);
  const endButton = h("button", { type: "button", class: "secondary", id: "test-end" }, "End test");
  const close = h("button", { type: "button", class: "secondary", id: "test-close", title: "End the test and close", "aria-label": "End the test and close" }, "×");
  const which = published === run.revision ? `revision ${run.revision} (the published one)`
    : `revision ${run.revision}, not published${published ? ` — customers still get revision ${published}` : " — customers don't run this flow yet"}`;
  const panel = h("aside", { class: "studio-test", id: "studio-test", role: "dialog", "aria-label": "Test run", dataset: { run: run.sid } },
    h("div", { class: "row test-head" }, el("h2", "Test run"), h("span", { class: "spacer" }), endButton, close),
    el("p", `Chatting with ${which}. Nobody else sees this chat; a Send to Flex makes a real task marked as a test.`, "muted test-which"),
    state, chat, form,
    h("details", { class: "test-trace", open: "" }, h("summary", {}, "Steps as they happen"), steps, vars));
  document.body.append(panel);
  document.body.classList.add("studio-testing");
  input.focus();

  let ended = run.status === "ended";
  let view = run;
  const draw = () => {
    chat.replaceChildren(...(view.messages.length ? view.messages.map((m) =>
      h("div", { class: `test-msg ${m.from}`, dataset: { from: m.from } }, el("span", m.from === "customer" ? "You (customer)" : m.from === "bot" ? "Flow" : `Agent ${m.author}`, "who"), el("span", m.body || "", "body")))
      : [el("p", "Say something as the customer to start the flow.", "muted")]));
    chat.scrollTop = chat.scrollHeight;
    const all = [];
    for (const x of view.executions) for (const s of x.steps) all.push({ ...s, execution: x });
    steps.replaceChildren(...all.map((s) => h("li", { class: "test-step", dataset: { from: s.from, event: s.event, to: s.to } },
      h("button", { type: "button", class: "link", title: `Show ${s.from} on the canvas`, onclick: () => onStep && onStep(s.from) }, s.from),
      el("span", ` — ${s.event} → `, "muted"), el("strong", s.to === "Ended" ? "end of the flow" : s.to),
      ...outputLines(s.outputs).map((t) => el("code", t)))));
    if (!all.length) steps.append(el("li", "No steps yet.", "muted"));
    steps.scrollTop = steps.scrollHeight;
    const last = view.executions[view.executions.length - 1];
    const v = last && last.variables && typeof last.variables === "object" ? Object.entries(last.variables) : [];
    vars.replaceChildren(el("h3", "Flow variables"), v.length ? h("ul", {}, ...v.map(([k, x]) => el("li", `${k} = ${typeof x === "string" ? x : JSON.stringify(x)}`))) : el("p", "None set.", "muted"));
    const task = view.tasks.find((t) => !t.ended);
    state.textContent = ended || view.status === "ended" ? "This test has ended." :
      task ? "Sent to Flex: a real task, marked as a test in its attributes, waits for an agent; what you type now goes to the agent." :
      last && last.status === "active" ? (last.waiting_at ? `The flow waits at ${last.waiting_at}.` : "The flow is working…") :
      last ? "The flow has ended; write again to run it from the start." : "";
    input.disabled = send.disabled = endButton.disabled = ended || view.status === "ended";
  };
  const refresh = async () => {
    try {
      view = await api("GET", `/admin/api/studio/tests/${run.sid}`);
      draw();
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) throw e;
    }
  };
  draw();
  const unfollow = follow(`/admin/api/studio/tests/${run.sid}/events`, run.sid, refresh);
  const end = async () => {
    if (ended) return;
    ended = true;
    unfollow();
    try { view = await api("POST", `/admin/api/studio/tests/${run.sid}/end`); } catch (e) { if (e instanceof ApiError && e.status === 401) throw e; }
    draw();
  };
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = input.value;
    if (!body.trim()) { toast("Type what the customer says first.", true); return; }
    send.disabled = true;
    try {
      await api("POST", `/admin/api/studio/tests/${run.sid}/messages`, { Body: body });
      input.value = "";
      await refresh();
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) throw e;
      toast(`Not sent: ${e.message}`, true);
    } finally {
      send.disabled = ended;
      input.focus();
    }
  });
  endButton.addEventListener("click", async () => { await end(); toast("Test ended: its execution is over."); });
  const remove = () => { panel.remove(); document.body.classList.remove("studio-testing"); };
  close.addEventListener("click", async () => { await end(); remove(); });
  ctx.stop.push(() => { if (!ended) void end(); remove(); });
  return { sid: run.sid, end, panel };
}
