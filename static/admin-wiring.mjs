// Flex Flows in the admin console (issue 16 item 2): which address goes where. Each handler is a
// row a person reads ("SMS to any number → Studio flow Messaging Flow"), with its switches; a
// labelled form connects a number or a web chat to a Studio flow, straight to agents through a
// workflow, or to a webhook, choosing flows, workflows and task channels by name. Twilio's Flex
// v1 FlexFlows shapes (Integration.FlowSid, Integration.WorkflowSid…).
import { api, el, h, listAll, toast, ApiError } from "/static/common.mjs";

const CHANNELS = [["sms", "SMS"], ["web", "Web chat"], ["whatsapp", "WhatsApp"], ["facebook", "Facebook Messenger"], ["line", "LINE"], ["custom", "Custom channel"]];
const channelName = (t) => (CHANNELS.find(([v]) => v === t) || [t, t])[1];

async function resources(ctx) {
  const ws = await ctx.workspace().catch(() => null);
  const [flows, workflows, channels] = await Promise.all([
    listAll("/v2/Flows", "flows").catch(() => []),
    ws ? listAll(`/v1/Workspaces/${ws}/Workflows`, "workflows").catch(() => []) : [],
    ws ? listAll(`/v1/Workspaces/${ws}/TaskChannels`, "channels").catch(() => []) : [],
  ]);
  return { ws, flows, workflows, channels };
}

/** "any number", "+1 555…", "the web chat named webchat". */
function identityText(f) {
  if (f.contact_identity === "*") return f.channel_type === "web" ? "any web chat" : "any number";
  if (f.channel_type === "web") return `the web chat "${f.contact_identity}"`;
  return f.contact_identity || "no address yet";
}

/** Where a handler sends what arrives, by name. */
function targetText(f, r) {
  const i = f.integration || {};
  if (f.integration_type === "studio") {
    const flow = r.flows.find((x) => x.sid === i.flow_sid);
    return flow ? `Studio flow "${flow.friendly_name}"` : "a Studio flow that no longer exists: choose another";
  }
  if (f.integration_type === "task") {
    const wf = r.workflows.find((x) => x.sid === i.workflow_sid);
    return `agents, through workflow "${wf ? wf.friendly_name : "the default workflow"}"`;
  }
  return i.url ? `the webhook ${i.url}` : "a webhook with no URL";
}

export async function flexFlows(root, ctx, [sid]) {
  const [list, r] = await Promise.all([listAll("/v1/FlexFlows", "flex_flows"), resources(ctx)]);
  const editing = list.find((f) => f.sid === sid) || null;
  const toggle = (f, field, param, label) => {
    const box = h("input", { type: "checkbox", "aria-label": `${label}: ${f.friendly_name}`, dataset: { field: param } });
    box.checked = !!f[field];
    box.addEventListener("change", async () => {
      try {
        await api("POST", `/v1/FlexFlows/${f.sid}`, { [param]: box.checked });
        toast(`${f.friendly_name}: ${label.toLowerCase()} ${box.checked ? "on" : "off"}`);
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) throw e;
        box.checked = !box.checked;
        toast(`${f.friendly_name}: ${e.message}`, true);
      }
    });
    return h("td", {}, box);
  };
  const rows = list.map((f) => h("tr", { dataset: { sid: f.sid } },
    h("td", {}, el("strong", f.friendly_name), h("div", { class: "muted route" }, `${channelName(f.channel_type)} to ${identityText(f)} → ${targetText(f, r)}`)),
    toggle(f, "enabled", "Enabled", "Enabled"), toggle(f, "janitor_enabled", "JanitorEnabled", "Janitor"), toggle(f, "long_lived", "LongLived", "Long-lived"),
    h("td", {}, h("a", { href: `#flexflows/${f.sid}`, class: "button secondary", text: "Change" }))));
  root.append(h("section", { class: "card" }, el("h2", "Where messages go"),
    el("p", "Each address (a number, or a web chat) has one handler: it starts a Studio flow, hands the customer straight to agents, or calls your webhook.", "muted"),
    list.length ? h("div", { class: "scroll" }, h("table", { id: "flexflows" }, h("thead", {}, h("tr", {}, ...["Handler", "On", "Janitor", "Long-lived", ""].map((t) => el("th", t)))), h("tbody", {}, ...rows)))
      : el("p", "Nothing is connected yet: connect an address below.", "muted")));
  root.append(form(editing, r, list));
}

function form(f, r, list) {
  const i = (f && f.integration) || {};
  const err = h("div", { class: "problems", id: "wire-errors", role: "alert" });
  const field = (id, label, control, help) => h("div", { class: "field" }, h("label", { for: id }, label), control, help ? el("p", help, "muted help") : null, h("p", { class: "error", dataset: { for: id } }));
  const name = h("input", { id: "wire-name", value: f ? f.friendly_name : "", maxlength: 64, required: true, placeholder: "e.g. Main number" });
  const channel = h("select", { id: "wire-channel" }, ...CHANNELS.map(([v, t]) => h("option", { value: v, text: t })));
  channel.value = f ? f.channel_type : "sms";
  const identity = h("input", { id: "wire-identity", value: f ? f.contact_identity : "", placeholder: "+15551234567 or * for any number", autocomplete: "off" });
  const identityHelp = el("p", "", "muted help");
  const kind = h("select", { id: "wire-kind" }, h("option", { value: "studio", text: "Start a Studio flow" }), h("option", { value: "task", text: "Hand straight to agents" }), h("option", { value: "external", text: "Call a webhook" }));
  kind.value = f ? f.integration_type : "studio";
  const flow = h("select", { id: "wire-flow" }, h("option", { value: "", text: "Choose a flow…" }), ...r.flows.map((x) => h("option", { value: x.sid, text: `${x.friendly_name}${x.status === "published" ? "" : " (draft)"}` })));
  flow.value = i.flow_sid && r.flows.some((x) => x.sid === i.flow_sid) ? i.flow_sid : "";
  const workflow = h("select", { id: "wire-workflow" }, h("option", { value: "", text: "The default workflow" }), ...r.workflows.map((x) => h("option", { value: x.sid, text: x.friendly_name })));
  workflow.value = i.workflow_sid && r.workflows.some((x) => x.sid === i.workflow_sid) ? i.workflow_sid : "";
  const taskChannel = h("select", { id: "wire-task-channel" }, h("option", { value: "", text: "Chat for web chat, SMS otherwise" }), ...r.channels.map((x) => h("option", { value: x.unique_name, text: x.friendly_name || x.unique_name })));
  taskChannel.value = i.channel && r.channels.some((x) => x.unique_name === i.channel) ? i.channel : "";
  const url = h("input", { id: "wire-url", type: "url", value: i.url || "", placeholder: "https://example.com/inbound" });
  const enabled = h("input", { id: "wire-enabled", type: "checkbox" });
  enabled.checked = f ? !!f.enabled : true;
  const parts = {
    studio: field("wire-flow", "Studio flow", flow, "The flow's Trigger fires Incoming Message for each new conversation."),
    task: h("div", {}, field("wire-workflow", "Workflow", workflow), field("wire-task-channel", "Task channel", taskChannel)),
    external: field("wire-url", "Webhook URL", url, "Each message is posted here."),
  };
  const summary = el("p", "", "route-preview");
  summary.id = "wire-preview";
  const sync = () => {
    const web = channel.value === "web";
    identity.placeholder = web ? "webchat" : "+15551234567 or * for any number";
    identityHelp.textContent = web ? "The web chat's name: the page at /chat uses \"webchat\"." : "The number customers write to, in +E.164 form; * catches every number without its own handler.";
    for (const [k, el2] of Object.entries(parts)) el2.classList.toggle("hidden", k !== kind.value);
    const who = identity.value.trim() === "*" ? (web ? "any web chat" : "any number") : identity.value.trim() ? (web ? `the web chat "${identity.value.trim()}"` : identity.value.trim()) : "…";
    const fake = { integration_type: kind.value, integration: { flow_sid: flow.value, workflow_sid: workflow.value, url: url.value } };
    summary.textContent = `${channelName(channel.value)} to ${who} → ${kind.value === "studio" && !flow.value ? "choose a flow" : targetText(fake, r)}`;
  };
  for (const x of [channel, identity, kind, flow, workflow, url]) x.addEventListener("input", sync);
  for (const x of [channel, kind, flow, workflow]) x.addEventListener("change", sync);
  const showError = (e) => {
    const m = /^(Integration\.\w+|ContactIdentity|FriendlyName|ChannelType|IntegrationType)\b/.exec((e.body && e.body.message) || e.message || "");
    const map = { FriendlyName: "wire-name", ContactIdentity: "wire-identity", ChannelType: "wire-channel", IntegrationType: "wire-kind", "Integration.FlowSid": "wire-flow", "Integration.Url": "wire-url", "Integration.WorkflowSid": "wire-workflow" };
    const target = m && map[m[1]] && card.querySelector(`p.error[data-for="${map[m[1]]}"]`);
    let text = e.message;
    if (e.status === 409) {
      const other = list.find((x) => x.enabled && x.channel_type === channel.value && x.contact_identity === identity.value.trim() && (!f || x.sid !== f.sid));
      text = `${other ? `"${other.friendly_name}"` : "Another handler"} already takes ${channelName(channel.value)} to ${identityText({ channel_type: channel.value, contact_identity: identity.value.trim() })}. Switch it off in the list above, use another address, or save this one switched off.`;
      const at = card.querySelector('p.error[data-for="wire-identity"]');
      if (at) at.textContent = text;
    }
    if (target) target.textContent = text;
    err.replaceChildren(el("p", `Not saved: ${text}`, "error"));
  };
  const save = h("button", { type: "submit", id: "wire-save" }, f ? "Save changes" : "Connect");
  const card = h("section", { class: "card", id: "wire" }, el("h2", f ? `Change "${f.friendly_name}"` : "Connect an address"));
  const formEl = h("form", { id: "wire-form", class: "stack", novalidate: true, onsubmit: async (ev) => {
    ev.preventDefault();
    err.replaceChildren();
    for (const p of card.querySelectorAll("p.error[data-for]")) p.textContent = "";
    // Checked here first, so the person hears what is missing before the server says it.
    const missing = [];
    if (!name.value.trim()) missing.push(["wire-name", "Give the handler a name."]);
    if (!identity.value.trim()) missing.push(["wire-identity", channel.value === "web" ? "Say which web chat (webchat for the page at /chat)." : "Give the number, or * for any number."]);
    else if (channel.value !== "web" && identity.value.trim() !== "*" && !/^\+[1-9]\d{6,14}$/.test(identity.value.trim()) && channel.value === "sms") missing.push(["wire-identity", "A number in +E.164 form, like +15551234567."]);
    if (kind.value === "studio" && !flow.value) missing.push(["wire-flow", "Choose the flow to start."]);
    if (kind.value === "external" && !/^https?:\/\//.test(url.value.trim())) missing.push(["wire-url", "A URL starting with https:// or http://."]);
    if (missing.length) {
      for (const [id, text] of missing) card.querySelector(`p.error[data-for="${id}"]`).textContent = text;
      err.replaceChildren(el("p", "Not saved: fix the fields marked in red.", "error"));
      return;
    }
    const params = { FriendlyName: name.value.trim(), ChannelType: channel.value, ContactIdentity: identity.value.trim(), IntegrationType: kind.value, Enabled: enabled.checked };
    if (kind.value === "studio") params["Integration.FlowSid"] = flow.value;
    if (kind.value === "task") {
      if (r.ws) params["Integration.WorkspaceSid"] = r.ws;
      if (workflow.value) params["Integration.WorkflowSid"] = workflow.value;
      if (taskChannel.value) params["Integration.Channel"] = taskChannel.value;
    }
    if (kind.value === "external") params["Integration.Url"] = url.value.trim();
    save.disabled = true;
    try {
      await api("POST", f ? `/v1/FlexFlows/${f.sid}` : "/v1/FlexFlows", params);
      toast(f ? `Saved: ${summary.textContent}` : `Connected: ${summary.textContent}`);
      if (location.hash === "#flexflows") window.dispatchEvent(new HashChangeEvent("hashchange"));
      else location.hash = "#flexflows";
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) throw e;
      showError(e);
    } finally {
      save.disabled = false;
    }
  } },
  h("div", { class: "grid2" },
    h("div", {}, field("wire-name", "Name", name), field("wire-channel", "Channel", channel), h("div", { class: "field" }, h("label", { for: "wire-identity" }, "Address"), identity, identityHelp, h("p", { class: "error", dataset: { for: "wire-identity" } }))),
    h("div", {}, field("wire-kind", "What happens", kind), parts.studio, parts.task, parts.external, h("label", { class: "check" }, enabled, " Switched on (only one handler can be on per address)"))),
  summary, h("div", { class: "row" }, save, f ? h("a", { href: "#flexflows", text: "Cancel" }) : null), err);
  card.append(formEl);
  sync();
  return card;
}
