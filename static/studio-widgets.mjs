// The Studio widget catalog: every widget type the engine runs (src/engine/widgets/, the event
// lists and required properties of src/flows/definition.rs), with a person's name, a palette
// group, its events, the properties the panel edits (labelled, with kinds that pick a control)
// and the defaults a new widget starts with (Twilio's property names, so exports open in
// Twilio's canvas). Pure data and functions; no DOM.

/** Field kinds: text, liquid (a Liquid template), area (multi-line Liquid), number, bool,
 *  select (fixed `options`), workflow / channel / flow / queue (the appliance's own resources),
 *  pairs (a list of {key, value}), json (a JSON object as a Liquid string). */
const f = (key, label, kind = "liquid", extra = {}) => ({ key, label, kind, ...extra });

const SAY = [f("say", "Text to say", "area"), f("play", "Or an audio URL to play"), f("voice", "Voice", "text", { placeholder: "alice, Polly.Joanna…" }), f("language", "Language", "text", { placeholder: "en-US" }), f("loop", "Repeat", "number")];

export const WIDGETS = [
  { type: "trigger", label: "Trigger", group: "Flow", events: ["incomingMessage", "incomingCall", "incomingConversationMessage", "incomingRequest", "incomingParent"], fields: [], palette: false },
  { type: "send-message", label: "Send message", group: "Messaging", events: ["sent", "failed"], required: [["body", "content_sid"]],
    fields: [f("body", "Message", "area"), f("media_url", "Media URL"), f("from", "From"), f("to", "To")],
    defaults: { service: "{{trigger.message.InstanceSid}}", channel: "{{trigger.message.ChannelSid}}", from: "{{flow.channel.address}}", to: "{{contact.channel.address}}", body: "" } },
  { type: "send-and-wait-for-reply", label: "Send and wait for reply", group: "Messaging", events: ["incomingMessage", "timeout", "deliveryFailure"], required: [["body", "content_sid"]],
    fields: [f("body", "Message", "area"), f("timeout", "Wait for a reply (seconds)", "number"), f("from", "From")],
    defaults: { service: "{{trigger.message.InstanceSid}}", channel: "{{trigger.message.ChannelSid}}", from: "{{flow.channel.address}}", body: "", timeout: "3600" } },
  { type: "split-based-on", label: "Split based on…", group: "Flow", events: ["noMatch", "match"], required: [["input"]], conditions: true,
    fields: [f("input", "Variable to test")], defaults: { input: "{{trigger.message.Body}}" } },
  { type: "set-variables", label: "Set variables", group: "Flow", events: ["next"],
    fields: [f("variables", "Variables", "pairs")], defaults: { variables: [] } },
  { type: "run-subflow", label: "Run subflow", group: "Flow", events: ["completed", "failed"], required: [["flow_sid"]],
    fields: [f("flow_sid", "Subflow", "flow"), f("flow_revision", "Revision", "select", { options: [["LatestPublished", "Latest published"], ["LatestRevision", "Latest revision"]] }), f("parameters", "Parameters", "pairs")],
    defaults: { flow_sid: "", flow_revision: "LatestPublished", parameters: [] } },
  { type: "make-http-request", label: "Make HTTP request", group: "Tools", events: ["success", "failed"], required: [["url"], ["method"]],
    fields: [f("method", "Method", "select", { options: [["GET", "GET"], ["POST", "POST"], ["PUT", "PUT"], ["DELETE", "DELETE"]] }), f("url", "URL"),
      f("content_type", "Content type", "select", { options: [["application/x-www-form-urlencoded;charset=utf-8", "Form"], ["application/json;charset=utf-8", "JSON"]] }),
      f("body", "Body", "area"), f("parameters", "Form parameters", "pairs")],
    defaults: { method: "GET", url: "", content_type: "application/x-www-form-urlencoded;charset=utf-8", parameters: [] } },
  { type: "run-function", label: "Run function", group: "Tools", events: ["success", "fail"], required: [["url", "function_sid"]],
    fields: [f("url", "Function URL"), f("parameters", "Parameters", "pairs")], defaults: { url: "", parameters: [] } },
  { type: "search-for-profile", label: "Search for profile", group: "Tools", events: ["found", "notFound", "failed"],
    fields: [f("identifier", "Identifier (phone, e-mail…)")], defaults: { identifier: "{{contact.channel.address}}" } },
  { type: "send-to-flex", label: "Send to Flex", group: "Agents", events: ["callComplete", "failedToEnqueue", "callFailure"], required: [["workflow"], ["channel"]],
    fields: [f("workflow", "Workflow", "workflow"), f("channel", "Task channel", "channel"), f("attributes", "Task attributes (JSON)", "json"),
      f("priority", "Priority", "number"), f("timeout", "Task timeout (seconds)", "number")],
    defaults: { workflow: "", channel: "", attributes: "{\"name\": \"{{trigger.message.ChannelAttributes.from}}\", \"channelType\": \"{{trigger.message.ChannelAttributes.channel_type}}\", \"channelSid\": \"{{trigger.message.ChannelSid}}\"}" } },
  { type: "enqueue-call", label: "Enqueue call", group: "Agents", events: ["callComplete", "failedToEnqueue", "callFailure"], required: [["queue_name", "workflow_sid"]],
    fields: [f("workflow_sid", "Workflow", "workflow"), f("queue_name", "Or a plain queue name", "text"), f("task_attributes", "Task attributes (JSON)", "json"), f("priority", "Priority", "number")],
    defaults: { workflow_sid: "", queue_name: "", task_attributes: "" } },
  { type: "say-play", label: "Say / play", group: "Voice", events: ["audioComplete"], required: [["say", "play", "digits"]], fields: [...SAY, f("digits", "Or digits to play", "text")], defaults: { say: "", loop: 1 } },
  { type: "gather-input-on-call", label: "Gather input on call", group: "Voice", events: ["keypress", "speech", "timeout"],
    fields: [...SAY, f("number_of_digits", "Digits to gather", "number"), f("finish_on_key", "Finish on key", "text"), f("timeout", "Wait (seconds)", "number"),
      f("stop_gather", "Stop on first input", "bool"), f("speech_timeout", "Speech timeout", "text"), f("hints", "Speech hints", "text")],
    defaults: { say: "", loop: 1, timeout: 5, finish_on_key: "#", stop_gather: true, speech_timeout: "auto", gather_language: "en" } },
  { type: "connect-call-to", label: "Connect call to", group: "Voice", events: ["callCompleted", "hangup"], required: [["noun"]],
    fields: [f("noun", "Connect to", "select", { options: [["number", "A number"], ["client", "A client"], ["sip", "A SIP address"], ["number-multi", "Several numbers"], ["conference", "A conference"]] }),
      f("to", "Number, client or address"), f("caller_id", "Caller ID"), f("timeout", "Ring for (seconds)", "number"), f("record", "Record", "bool")],
    defaults: { noun: "number", to: "", caller_id: "{{contact.channel.address}}", timeout: 30 } },
  { type: "record-voicemail", label: "Record voicemail", group: "Voice", events: ["recordingComplete", "noAudio", "hangup"],
    fields: [f("max_length", "Longest recording (seconds)", "number"), f("timeout", "Silence that ends it (seconds)", "number"), f("finish_on_key", "Finish on key", "text"), f("play_beep", "Beep first", "bool"), f("trim", "Trim silence", "select", { options: [["trim-silence", "Trim silence"], ["do-not-trim", "Keep silence"]] }), f("transcribe", "Transcribe", "bool")],
    defaults: { max_length: 3600, timeout: 5, finish_on_key: "#", play_beep: "true", trim: "trim-silence" } },
  { type: "record-call", label: "Record call", group: "Voice", events: ["success", "failed"],
    fields: [f("record_call", "Start recording", "bool"), f("recording_status_callback", "Status callback URL")], defaults: { record_call: true } },
  { type: "add-twiml-redirect", label: "TwiML redirect", group: "Voice", events: ["return", "timeout", "fail"], required: [["url"]],
    fields: [f("url", "TwiML URL"), f("method", "Method", "select", { options: [["POST", "POST"], ["GET", "GET"]] }), f("timeout", "Timeout (seconds)", "number")], defaults: { url: "", method: "POST", timeout: "14400" } },
  { type: "make-outgoing-call-v2", label: "Make outgoing call", group: "Voice", events: ["answered", "busy", "noAnswer", "failed"], required: [["to"], ["from"]],
    fields: [f("to", "Call"), f("from", "From"), f("timeout", "Ring for (seconds)", "number"), f("record", "Record", "bool")],
    defaults: { to: "{{contact.channel.address}}", from: "{{flow.channel.address}}", timeout: 60, record: false } },
  { type: "capture-payments", label: "Capture payments", group: "Voice", events: ["success", "maxFailedAttempts", "providerError", "payInterrupted", "hangup", "validationError"],
    fields: [f("payment_amount", "Amount"), f("currency", "Currency", "text"), f("payment_connector", "Payment connector", "text"), f("max_attempts", "Attempts", "number"), f("security_code", "Ask for the security code", "bool"), f("postal_code", "Ask for the postal code", "bool")],
    defaults: { payment_amount: "", currency: "usd", payment_connector: "Default", max_attempts: 2, security_code: true, postal_code: "false", payment_token_type: "one-time" } },
  { type: "fork-stream", label: "Fork stream", group: "Voice", events: ["next"],
    fields: [f("stream_action", "Action", "select", { options: [["start", "Start"], ["stop", "Stop"]] }), f("stream_name", "Stream name", "text"), f("stream_url", "Stream URL"), f("stream_track", "Track", "select", { options: [["inbound_track", "Inbound"], ["outbound_track", "Outbound"], ["both_tracks", "Both"]] })],
    defaults: { stream_action: "start", stream_name: "", stream_url: "", stream_track: "inbound_track" } },
  { type: "connect-virtual-agent", label: "Connect virtual agent", group: "Voice", events: ["hangup", "return"],
    fields: [f("connector", "Connector", "text"), f("language", "Language", "text"), f("sentiment_analysis", "Sentiment analysis", "bool"), f("status_callback_url", "Status callback URL")], defaults: { connector: "", language: "en-US" } },
];

export const BY_TYPE = Object.fromEntries(WIDGETS.map((w) => [w.type, w]));
export const GROUPS = ["Messaging", "Flow", "Agents", "Tools", "Voice"];
export const CONDITION_TYPES = [
  ["equal_to", "Equal to"], ["not_equal_to", "Not equal to"], ["matches_any_of", "Matches any of"], ["does_not_match_any_of", "Does not match any of"],
  ["contains", "Contains"], ["does_not_contain", "Does not contain"], ["starts_with", "Starts with"], ["does_not_start_with", "Does not start with"],
  ["less_than", "Less than"], ["greater_than", "Greater than"], ["is_blank", "Is blank"], ["is_not_blank", "Is not blank"], ["regex", "Regex"],
  ["is_before_time", "Is before time"], ["is_after_time", "Is after time"], ["is_before_date", "Is before date"], ["is_after_date", "Is after date"],
];

/** A person's name for a widget type (the type itself when unknown). */
export function labelOf(type) {
  return (BY_TYPE[type] && BY_TYPE[type].label) || type;
}

/** A state name not used yet: `send_message_1`, `send_message_2`… */
export function freshName(def, type) {
  const used = new Set((def.states || []).map((s) => s.name));
  const stem = type.replace(/-v2$/, "").replace(/[^a-z0-9]+/gi, "_");
  for (let i = 1; ; i++) if (!used.has(`${stem}_${i}`)) return `${stem}_${i}`;
}

/** A new state of `type` at `offset`, with every event of its type as an unconnected transition. */
export function newState(def, type, offset, resources = {}) {
  const w = BY_TYPE[type];
  const properties = { offset: { x: Math.round(offset.x), y: Math.round(offset.y) }, ...structuredClone((w && w.defaults) || {}) };
  if (type === "send-to-flex") {
    if (resources.workflows && resources.workflows[0]) properties.workflow = resources.workflows[0].sid;
    const chat = (resources.channels || []).find((c) => c.unique_name === "chat") || (resources.channels || [])[0];
    if (chat) properties.channel = chat.sid;
  }
  const events = w ? w.events.filter((e) => e !== "match") : [];
  return { name: freshName(def, type), type, transitions: events.map((event) => ({ event })), properties };
}

/**
 * What the panel can tell before the server does: blank required properties (an error, or a
 * warning where the engine has a meaning for the blank), names Liquid cannot refer to, and
 * split conditions without a value. Returns [{state, property, level, message}].
 */
export function localProblems(def) {
  const out = [];
  for (const s of (def && def.states) || []) {
    if (!s || typeof s.name !== "string") continue;
    const w = BY_TYPE[s.type];
    const p = s.properties || {};
    if (s.name && !/^[A-Za-z0-9_]+$/.test(s.name)) out.push({ state: s.name, property: "name", level: "warning", message: "use letters, digits and _ only, so {{widgets.NAME}} can refer to it" });
    for (const alts of (w && w.required) || []) {
      const filled = alts.some((k) => p[k] !== undefined && p[k] !== null && String(p[k]).trim() !== "");
      if (filled) continue;
      const label = (w.fields.find((x) => x.key === alts[0]) || { label: alts[0] }).label;
      if (s.type === "send-to-flex") out.push({ state: s.name, property: alts[0], level: "warning", message: `${label} is not chosen: the default ${alts[0] === "workflow" ? "workflow" : "task channel"} is used` });
      else out.push({ state: s.name, property: alts[0], level: "error", message: `${label} is required` });
    }
    if (w && w.conditions) {
      (s.transitions || []).forEach((t, i) => {
        const c = t.conditions && t.conditions[0];
        if (t.event === "match" && c && !/blank/.test(c.type) && String(c.value || "").trim() === "")
          out.push({ state: s.name, property: `transitions[${i}]`, level: "warning", message: `condition "${c.friendly_name || i}" has no value to compare with` });
      });
    }
  }
  return out;
}

/** Liquid names a field can use here: trigger.*, widgets.NAME.* of the other states, flow.*. */
export function liquidNames(def, self) {
  const names = ["trigger.message.Body", "trigger.message.From", "trigger.message.ChannelAttributes.from", "trigger.conversation.FriendlyName", "trigger.call.From", "trigger.call.To",
    "trigger.request.parameters", "contact.channel.address", "flow.channel.address", "flow.sid", "flow.data", "flow.variables."];
  for (const s of (def && def.states) || []) {
    if (!s || s.name === self || s.type === "trigger") continue;
    const n = s.name;
    if (s.type === "send-and-wait-for-reply") names.push(`widgets.${n}.inbound.Body`, `widgets.${n}.outbound.Body`);
    else if (s.type === "gather-input-on-call") names.push(`widgets.${n}.Digits`, `widgets.${n}.SpeechResult`);
    else if (s.type === "make-http-request" || s.type === "run-function") names.push(`widgets.${n}.parsed`, `widgets.${n}.body`, `widgets.${n}.status_code`);
    else if (s.type === "send-to-flex") names.push(`widgets.${n}.TaskSid`);
    else names.push(`widgets.${n}`);
    if (s.type === "set-variables") for (const v of (s.properties && s.properties.variables) || []) if (v && v.key) names.push(`flow.variables.${v.key}`);
  }
  return [...new Set(names)];
}
