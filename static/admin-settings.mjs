// The office's settings (issue 16 item 4): its time zone, in which the console and the agent
// desktop show every time and the reports count days (/admin/api/office). The same form sits in
// the dashboard's first-run checklist until a zone is chosen; the first time it offers the
// browser's own zone.
import { api, el, h, toast, zones, browserZone, officeZone, setOfficeZone } from "/static/common.mjs";

/** "14:05 on Fri, Dec 4 (CET)" in `tz`, for the form's preview; "" for a zone the browser lacks. */
function nowIn(tz) {
  try {
    const f = new Intl.DateTimeFormat(undefined, { timeZone: tz, weekday: "short", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
    return f.format(new Date());
  } catch { return ""; }
}

/**
 * The time zone form: a field with every zone the browser knows as suggestions, the time it is
 * there now, Save. `current` is the office's zone (null: never set, the browser's offered).
 */
export function zoneForm(id, current, onSaved = () => {}) {
  const known = zones();
  const list = h("datalist", { id: `${id}-zones` }, ...known.map((z) => h("option", { value: z })));
  const input = h("input", { id: `${id}-tz`, name: "TimeZone", list: `${id}-zones`, required: true, autocomplete: "off", spellcheck: "false", placeholder: "Europe/Paris" });
  input.value = current || browserZone();
  const preview = el("p", "", "muted help");
  preview.id = `${id}-now`;
  const err = el("p", "", "error");
  err.id = `${id}-error`;
  err.setAttribute("role", "alert");
  const show = () => {
    const tz = input.value.trim();
    const now = tz && known.includes(tz) ? nowIn(tz) : "";
    preview.textContent = now ? `It is ${now} there now.` : tz ? "Not a zone of the list: type a city (Paris, New_York) and choose." : "";
  };
  input.addEventListener("input", () => { err.textContent = ""; show(); });
  show();
  const form = h("form", { id, class: "inline labelled zone-form" },
    h("div", { class: "field zone-field" }, h("label", { for: input.id }, "The office's time zone"), input, list, preview),
    h("div", { class: "field" }, h("button", { type: "submit" }, current ? "Save time zone" : `Use this time zone`)), err);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    err.textContent = "";
    try {
      const r = await api("POST", "/admin/api/office", { TimeZone: input.value.trim() });
      setOfficeZone(r.time_zone);
      input.value = r.time_zone;
      toast(`Times are now shown in ${r.time_zone}, the office's time zone`);
      await onSaved(r);
    } catch (e) { err.textContent = `Not saved: ${String(e.message).replace(/^Invalid parameter TimeZone: /, "")}`; }
  });
  return form;
}

/** Draws the current page again (admin.mjs renders the view on a hash change), its times anew. */
export const redraw = () => window.dispatchEvent(new HashChangeEvent("hashchange"));

export async function view(root) {
  const office = await api("GET", "/admin/api/office");
  const note = el("p", "", "muted");
  note.id = "office-zone-state";
  const say = (o) => {
    note.textContent = o.time_zone_set
      ? `Every time on the console and the agent desktop is shown in ${o.time_zone}; reports count its days. The customer chat shows each customer their own time.`
      : `Not set yet: each page shows times in its own browser's zone (here ${browserZone()}). Choose the office's, so everyone reads the same times.`;
  };
  say(office);
  root.append(h("section", { class: "card", id: "office-settings" }, el("h2", "Office"),
    el("h3", "Time zone"), note, zoneForm("office-zone", office.time_zone, redraw),
    office.time_zone_set && office.time_zone !== browserZone()
      ? el("p", `This browser is in ${browserZone()}; the times you see are ${officeZone()}'s.`, "muted") : null));
}
