// The agent desk's actions beyond Flex's (issue 22): "Call back" on a callback or voicemail task
// (the carrier rings the customer and connects them to this agent; the panel says where the
// call is, and why not when the carrier refuses), and "Park" on a chat waiting on the customer
// (the task completes and the agent is free; the customer's next message brings the chat back,
// offered first to this agent).
import { api, el, h, toast } from "/static/common.mjs";

const CALLBACK_WORDS = {
  waiting: "Waiting for you to call back",
  dialing: "Calling the customer…",
  calling: "The carrier is ringing the customer; answer your phone to be connected",
  failed: "The call back did not go through",
};

/** Whether the task is a callback or voicemail left in the caller's place in line. */
export function isCallback(t) {
  const a = t.attributes || {};
  return !!(a.callback && typeof a.callback === "object");
}

/**
 * The call back panel of a callback task: the number, the voicemail if one was left, where the
 * call is, and the button while the reservation is accepted. Filled from the server.
 */
export function callbackPanel(r, { refresh }) {
  const t = r.task;
  const a = (t.attributes || {}).callback || {};
  const status = el("p", "", "muted");
  status.id = "callback-status";
  const button = h("button", { type: "button", id: "task-callback" }, `Call back ${a.number || ""}`.trim());
  const voicemail = a.recording_url
    ? h("p", {}, "The caller left a voicemail: ", h("a", { href: a.recording_url, target: "_blank", rel: "noopener noreferrer" }, "listen to it"), ".")
    : null;
  const panel = h("section", { class: "callback-panel", id: "callback-panel", "aria-live": "polite" },
    el("h3", a.kind === "voicemail" ? "Voicemail — call back" : "Call back"),
    h("p", {}, "Number: ", el("strong", a.number || "unknown")), voicemail, status, r.status === "accepted" ? button : null);
  const show = (cb) => {
    status.textContent = CALLBACK_WORDS[cb.status] || cb.status;
    if (cb.status === "failed" && cb.error) {
      // The office's setup is the admin's to mend; a refused number is the agent's to check.
      status.textContent += /^no carrier is configured/.test(cb.error)
        ? ": no carrier is configured for the office's phone line. Ask your admin to connect one."
        : `: ${cb.error}. Check the number with the customer's details, then try again.`;
    }
    status.className = cb.status === "failed" ? "error" : "muted";
    button.disabled = cb.status === "dialing" || cb.status === "calling";
    button.textContent = cb.status === "failed" ? "Try calling back again" : `Call back ${cb.number || a.number || ""}`.trim();
  };
  api("GET", `/agent/api/tasks/${t.sid}/callback`).then(show).catch((e) => { status.textContent = e.message; });
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const cb = await api("POST", `/agent/api/tasks/${t.sid}/callback`);
      show(cb);
      toast("Asking the carrier to call the customer…");
      // The carrier's answer arrives through the dialer: look again shortly, and say how it went.
      setTimeout(() => api("GET", `/agent/api/tasks/${t.sid}/callback`).then((later) => {
        show(later);
        if (later.status === "failed") toast(status.textContent, true);
        else if (later.status === "calling") toast("The customer's phone is ringing: answer yours to be connected");
      }).catch(() => {}), 1500);
      await refresh();
    } catch (e) {
      toast(e.message, true);
      button.disabled = false;
    }
  });
  return panel;
}

/**
 * "Park": a small form (why, for the next agent) that parks the chat. Only for an accepted chat
 * with no transfer under way; the server refuses the rest and says why.
 */
export function parkButton(r, { refresh }) {
  const t = r.task;
  const reason = h("input", { id: "park-reason", maxlength: 200, placeholder: "Why (e.g. waiting for the order number)", "aria-label": "Why park this chat" });
  const form = h("form", { class: "park-form hidden", id: "park-form" },
    el("p", "Park this chat: the task completes and you are free. The customer's next message brings it back, to you first.", "muted"),
    reason, h("button", { type: "submit" }, "Park chat"), h("button", { type: "button", class: "secondary", onclick: () => form.classList.add("hidden") }, "Cancel"));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await api("POST", `/agent/api/tasks/${t.sid}/park`, { Reason: reason.value.trim() || undefined });
      toast("Chat parked: it comes back when the customer writes");
      await refresh();
    } catch (e) { toast(e.message, true); }
  });
  const open = h("button", { type: "button", id: "task-park", class: "secondary", title: "Park the chat until the customer writes", onclick: () => {
    form.classList.remove("hidden");
    reason.focus();
  } }, "Park");
  return { open, form };
}
