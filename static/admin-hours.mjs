// Business hours in the admin console (issue 22): the office's named schedules — weekly hours in
// its time zone, holidays, one-off closures — each edited with labelled fields (no JSON), saved
// through /v1/Schedules; the server refuses overlapping or impossible ranges by name and the
// message is shown beside the Save button. Each schedule shows whether it is open now and its
// next opening or closing in the office's time.
import { api, el, h, listAll, toast, zones, officeZone } from "/static/common.mjs";

const DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const title = (d) => d[0].toUpperCase() + d.slice(1);
const enc = encodeURIComponent;

/** "Open now · closes Friday 4 December 2026, 17:00 CET" / "Closed (holiday: Christmas) · …". */
function stateText(st) {
  if (!st) return "";
  if (st.open) return st.next_close_local ? `Open now · closes ${st.next_close_local}` : "Open now · always open";
  const why = st.reason === "holiday" ? ` (holiday${st.reason_name ? `: ${st.reason_name}` : ""})`
    : st.reason === "closure" ? ` (closed${st.reason_name ? `: ${st.reason_name}` : ""})` : "";
  return `Closed${why} · ${st.next_open_local ? `opens ${st.next_open_local}` : "no opening hours set"}`;
}

function stateBadge(st) {
  return el("span", stateText(st), `badge hours-state ${st && st.open ? "available" : "closed"}`);
}

function zoneInput(id, value) {
  const list = h("datalist", { id: `${id}-zones` }, ...zones().map((z) => h("option", { value: z })));
  const input = h("input", { id, name: "TimeZone", list: `${id}-zones`, required: true, autocomplete: "off", placeholder: "Europe/Paris" });
  input.value = value || officeZone();
  return [input, list];
}

export async function view(root, ctx, [name]) {
  if (name) return edit(root, ctx, decodeURIComponent(name));
  const list = await listAll("/v1/Schedules", "schedules");
  const [tz, tzList] = zoneInput("hours-new-tz");
  const nameInput = h("input", { id: "hours-new-name", name: "Name", required: true, maxlength: 64, pattern: "[A-Za-z][A-Za-z0-9_]*", placeholder: "office" });
  const err = el("span", "", "error");
  const form = h("form", { id: "hours-new", class: "hours-new" },
    h("div", {}, h("label", { for: "hours-new-name", text: "Name (letters, digits, _)" }), nameInput),
    h("div", {}, h("label", { for: "hours-new-tz", text: "Time zone" }), tz, tzList),
    h("div", { class: "hours-new-go" }, h("button", { type: "submit" }, "Add schedule"), err));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    err.textContent = "";
    try {
      const s = await api("POST", "/v1/Schedules", { Name: nameInput.value.trim(), TimeZone: tz.value.trim() });
      toast(`Schedule ${s.name} added: now set its hours`);
      location.hash = `#hours/${enc(s.name)}`;
    } catch (e) {
      err.textContent = e.message;
    }
  });
  const rows = list.map((s) => h("tr", {},
    h("td", {}, h("a", { href: `#hours/${enc(s.name)}`, text: s.name }), s.web_chat ? el("div", "Shown in web chat", "muted") : null),
    el("td", s.time_zone),
    h("td", {}, stateBadge(s.status))));
  root.append(h("section", { class: "card" }, el("h2", "Business hours"),
    el("p", "Studio flows read a schedule as flow.schedules.NAME.open, workflow filters as schedules.NAME.open; changes apply at once.", "muted"),
    form,
    list.length ? h("table", { id: "hours-list" }, h("thead", {}, h("tr", {}, ...["Schedule", "Time zone", "Now"].map((t) => el("th", t)))), h("tbody", {}, ...rows))
      : el("p", "No schedules yet: add one above.", "muted")));
}

/** One removable row of fields inside `box`. */
function removable(box, fields, label) {
  const row = h("div", { class: "hours-row" }, ...fields,
    h("button", { type: "button", class: "secondary", "aria-label": `Remove ${label}`, title: `Remove ${label}`, onclick: () => row.remove() }, "Remove"));
  box.append(row);
  return row;
}

function field(labelText, input) {
  const id = `f${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  return h("span", { class: "hours-field" }, h("label", { for: id, text: labelText }), input);
}

function rangeRow(box, day, open = "09:00", close = "17:00") {
  const o = h("input", { type: "time", class: "hours-open", required: true });
  const c = h("input", { type: "time", class: "hours-close", required: true });
  o.value = open;
  c.value = close === "24:00" ? "00:00" : close;
  return removable(box, [field(`${title(day)} opens`, o), field("closes", c)], `${day} ${open}–${close}`);
}

function holidayRow(box, hd = { date: "", name: "" }) {
  const d = h("input", { type: "date", class: "hours-date", required: true });
  const n = h("input", { class: "hours-name", maxlength: 100, placeholder: "Christmas" });
  d.value = hd.date;
  n.value = hd.name;
  return removable(box, [field("Date", d), field("Name", n)], `holiday ${hd.name || hd.date}`);
}

function closureRow(box, c = { start: "", end: "", name: "" }) {
  const s = h("input", { type: "datetime-local", class: "hours-start", required: true });
  const e = h("input", { type: "datetime-local", class: "hours-end", required: true });
  const n = h("input", { class: "hours-name", maxlength: 100, placeholder: "Staff training" });
  s.value = c.start;
  e.value = c.end;
  n.value = c.name;
  return removable(box, [field("Closed from", s), field("until", e), field("Reason", n)], `closure ${c.name || c.start}`);
}

async function edit(root, ctx, name) {
  const s = await api("GET", `/v1/Schedules/${enc(name)}`);
  const path = `/v1/Schedules/${s.sid}`;
  const [tz, tzList] = zoneInput("hours-tz", s.time_zone);
  const webChat = h("input", { type: "checkbox", id: "hours-webchat" });
  webChat.checked = s.web_chat;
  const state = stateBadge(s.status);
  const dayBoxes = {};
  const week = h("div", { id: "hours-week", class: "hours-week" });
  for (const d of DAYS) {
    const box = h("div", { class: "hours-ranges", dataset: { day: d } });
    dayBoxes[d] = box;
    for (const r of s.hours.filter((r) => r.day === d)) rangeRow(box, d, r.open, r.close);
    week.append(h("div", { class: "hours-day" }, el("strong", title(d)), box,
      h("button", { type: "button", class: "secondary", onclick: () => rangeRow(box, d) }, `Add ${title(d)} hours`)));
  }
  const holidays = h("div", { id: "hours-holidays" });
  s.holidays.forEach((x) => holidayRow(holidays, x));
  const closures = h("div", { id: "hours-closures" });
  s.closures.forEach((x) => closureRow(closures, x));
  const err = el("span", "", "error");
  err.setAttribute("role", "alert");

  const collect = () => ({
    TimeZone: tz.value.trim(),
    WebChat: webChat.checked,
    // Lists go as JSON text (api() would send an array as repeated parameters).
    Hours: JSON.stringify(DAYS.flatMap((d) => [...dayBoxes[d].querySelectorAll(".hours-row")].map((row) => {
      const close = row.querySelector(".hours-close").value;
      return { day: d, open: row.querySelector(".hours-open").value, close: close === "00:00" ? "24:00" : close };
    }))),
    Holidays: JSON.stringify([...holidays.querySelectorAll(".hours-row")].map((row) => ({ date: row.querySelector(".hours-date").value, name: row.querySelector(".hours-name").value }))),
    Closures: JSON.stringify([...closures.querySelectorAll(".hours-row")].map((row) => ({ start: row.querySelector(".hours-start").value, end: row.querySelector(".hours-end").value, name: row.querySelector(".hours-name").value }))),
  });
  const save = h("button", { type: "button", id: "hours-save", onclick: async () => {
    err.textContent = "";
    save.disabled = true;
    try {
      const saved = await api("POST", path, collect());
            toast(`Schedule ${saved.name} saved · ${stateText(saved.status)}`);
      return edit(root.replaceChildren() || root, ctx, saved.name);
    } catch (e) {
      err.textContent = `Not saved: ${e.message}`;
    } finally {
      save.disabled = false;
    }
  } }, "Save schedule");
  const del = h("button", { type: "button", class: "danger", id: "hours-delete", onclick: async () => {
    if (!confirm(`Delete the schedule ${s.name}? Flows testing flow.schedules.${s.name} will see it as closed.`)) return;
    try {
      await api("DELETE", path);
      toast(`Schedule ${s.name} deleted`);
      location.hash = "#hours";
    } catch (e) {
      err.textContent = e.message;
    }
  } }, "Delete");

  root.append(h("section", { class: "card", id: "hours-edit" },
    h("div", { class: "row" }, h("h2", {}, h("a", { href: "#hours", text: "Business hours" }), ` › ${s.name}`), h("span", { class: "spacer" }), state),
    el("p", `In Studio: {{flow.schedules.${s.name}.open}} · in a workflow filter: schedules.${s.name}.open == true`, "muted mono"),
    h("div", { class: "hours-settings" },
      h("span", { class: "hours-field" }, h("label", { for: "hours-tz", text: "Time zone" }), tz, tzList),
      h("span", { class: "hours-check" }, webChat, h("label", { for: "hours-webchat", class: "inline-label", text: " Show these hours in the customer web chat" }))),
    el("h3", "Weekly hours (a day with none is closed; closing at 00:00 means midnight)"), week,
    el("h3", "Holidays (closed all day)"), holidays,
    h("button", { type: "button", class: "secondary", id: "hours-add-holiday", onclick: () => holidayRow(holidays) }, "Add holiday"),
    el("h3", "One-off closures (office time)"), closures,
    h("button", { type: "button", class: "secondary", id: "hours-add-closure", onclick: () => closureRow(closures) }, "Add closure"),
    h("div", { class: "row hours-actions" }, save, del, err)));
}
