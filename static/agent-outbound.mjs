// The desktop's "New conversation" (issue 15, desktop item 5; key o): the agent writes first to
// a customer's number by SMS or WhatsApp, from one of the office's numbers. The server opens it
// through Flex Interactions and hands it back as the agent's task, accepted; the desk opens it.
// A refusal is said in words under the form (a number that is not one, no number for the
// channel, not Available), and what was typed stays. What the carrier says later (WhatsApp's
// 24-hour window, a number that does not exist) shows on the message in the transcript.
import { api, el, h, toast } from "/static/common.mjs";

let dialog = null;
let channels = [];

const field = (label, input, hint) => h("div", { class: "outbound-field" },
  h("label", { for: input.id }, label), input, hint ? el("p", hint, "muted outbound-hint") : null);

function build() {
  const channel = h("select", { id: "outbound-channel" });
  const from = h("select", { id: "outbound-from" });
  const to = h("input", { id: "outbound-to", type: "tel", inputmode: "tel", autocomplete: "off", maxlength: 32, required: true, placeholder: "+49 151 23456789" });
  const name = h("input", { id: "outbound-name", autocomplete: "off", maxlength: 64, placeholder: "Optional" });
  const body = h("textarea", { id: "outbound-body", rows: 4, maxlength: 1600, required: true });
  const note = el("p", "", "muted outbound-note");
  note.id = "outbound-note";
  const error = el("p", "", "error");
  error.id = "outbound-error";
  error.setAttribute("role", "alert");
  const submit = h("button", { type: "submit", id: "outbound-start" }, "Start conversation");
  const cancel = h("button", { type: "button", class: "secondary", id: "outbound-cancel", onclick: () => dialog.close() }, "Cancel");
  const form = h("form", { id: "outbound-form", class: "outbound-form" },
    field("Channel", channel), h("div", { id: "outbound-from-row" }, field("From the office's number", from)),
    field("Customer's number", to, "With the country code, like +49 151 23456789."),
    field("Customer's name", name), field("First message", body), note, error,
    h("div", { class: "row outbound-actions" }, submit, cancel));
  const empty = el("p", "", "muted");
  empty.id = "outbound-empty";
  dialog = h("dialog", { id: "outbound-dialog", class: "outbound-dialog", "aria-labelledby": "outbound-title" },
    h("div", { class: "row" }, h("h2", { id: "outbound-title" }, "New conversation")), empty, form);
  channel.addEventListener("change", () => drawChannel());
  form.addEventListener("submit", (ev) => { ev.preventDefault(); start(); });
  document.body.append(dialog);
}

const chosen = () => channels.find((c) => c.channel === dialog.querySelector("#outbound-channel").value);

function drawChannel() {
  const c = chosen();
  const from = dialog.querySelector("#outbound-from");
  from.replaceChildren(...(c ? c.numbers : []).map((n) => h("option", { value: n }, n)));
  dialog.querySelector("#outbound-from-row").classList.toggle("hidden", !c || c.numbers.length < 2);
  dialog.querySelector("#outbound-note").textContent = c && c.channel === "whatsapp"
    ? "WhatsApp lets a business write first only with an approved template unless the customer wrote in the last 24 hours."
    : c ? `Sent from ${c.numbers[0]}${c.numbers.length > 1 ? " (or the number chosen above)" : ""}.` : "";
}

/** Opens the form; `started(taskSid)` runs once the conversation is the agent's. */
export async function open({ started }) {
  if (!dialog) build();
  dialog.started = started;
  try {
    channels = (await api("GET", "/agent/api/outbound")).channels.filter((c) => c.numbers.length);
  } catch (e) { toast(e.message, true); return; }
  const form = dialog.querySelector("#outbound-form");
  const empty = dialog.querySelector("#outbound-empty");
  form.classList.toggle("hidden", !channels.length);
  empty.classList.toggle("hidden", channels.length > 0);
  empty.textContent = "The office has no SMS or WhatsApp number to write from yet. An admin adds the office's number as a Flex Flow (see the README, \"Writing first\").";
  const select = dialog.querySelector("#outbound-channel");
  const was = select.value;
  select.replaceChildren(...channels.map((c) => h("option", { value: c.channel }, c.label)));
  if (channels.some((c) => c.channel === was)) select.value = was;
  drawChannel();
  if (!dialog.open) dialog.showModal();
  (channels.length ? dialog.querySelector("#outbound-to") : dialog.querySelector("#outbound-cancel")).focus();
}

async function start() {
  const $ = (id) => dialog.querySelector(`#${id}`);
  const button = $("outbound-start");
  $("outbound-error").textContent = "";
  $("outbound-to").removeAttribute("aria-invalid");
  button.disabled = true;
  try {
    const c = chosen();
    const r = await api("POST", "/agent/api/outbound", {
      Channel: c.channel, From: $("outbound-from").value || undefined, To: $("outbound-to").value,
      Name: $("outbound-name").value.trim() || undefined, Body: $("outbound-body").value,
    });
    const who = $("outbound-name").value.trim() || $("outbound-to").value.trim();
    dialog.close();
    for (const id of ["outbound-to", "outbound-name", "outbound-body"]) $(id).value = "";
    toast(`Conversation with ${who} started`);
    await dialog.started(r.task_sid);
  } catch (e) {
    // The form stays as it was: the agent corrects the number or the text and tries again.
    $("outbound-error").textContent = e.status === 401 ? "You are signed out." : `Not started: ${e.message}`;
    const badNumber = e.body && e.body.code === 21211;
    $("outbound-to").toggleAttribute("aria-invalid", badNumber);
    if (badNumber) $("outbound-to").focus();
  } finally {
    button.disabled = false;
  }
}
