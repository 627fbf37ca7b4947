// Liquid fields of the Studio panel: typing `{{` offers the names this widget can use
// (trigger.*, widgets.NAME.*, flow.variables.*), filtered as you type; a click, Enter or Tab
// puts the chosen name in with its closing `}}`. Works on <input> and <textarea>.
import { h } from "/static/common.mjs";

/** Wraps `field` (an input or textarea) with the completion list; `names()` gives the choices. */
export function liquidField(field, names) {
  const list = h("ul", { class: "liquid-list hidden", role: "listbox" });
  const wrap = h("div", { class: "liquid-wrap" }, field, list);
  let items = [], active = 0, start = -1;

  function close() { list.classList.add("hidden"); items = []; }
  function open() {
    const upto = field.value.slice(0, field.selectionStart ?? field.value.length);
    const m = /\{\{\s*([\w.]*)$/.exec(upto);
    if (!m) return close();
    start = upto.length - m[1].length;
    const prefix = m[1].toLowerCase();
    items = names().filter((n) => n.toLowerCase().startsWith(prefix) || (prefix && n.toLowerCase().includes("." + prefix))).slice(0, 12);
    if (!items.length) return close();
    active = 0;
    draw();
    list.classList.remove("hidden");
  }
  function draw() {
    list.replaceChildren(...items.map((n, i) => h("li", { role: "option", class: i === active ? "active" : "", "aria-selected": i === active ? "true" : "false",
      onmousedown: (ev) => { ev.preventDefault(); choose(i); } }, n)));
  }
  function choose(i) {
    const name = items[i];
    if (!name) return;
    const at = field.selectionStart ?? field.value.length;
    const rest = field.value.slice(at);
    const closing = /^\s*\}\}/.test(rest) ? "" : name.endsWith(".") ? "" : " }}";
    field.value = field.value.slice(0, start) + name + closing + rest;
    const caret = start + name.length + closing.length;
    field.setSelectionRange(caret, caret);
    close();
    field.dispatchEvent(new Event("input", { bubbles: true }));
    if (name.endsWith(".")) open();
  }
  field.addEventListener("input", open);
  field.addEventListener("blur", () => setTimeout(close, 100));
  field.addEventListener("keydown", (ev) => {
    if (!items.length) return;
    if (ev.key === "ArrowDown") { active = (active + 1) % items.length; draw(); ev.preventDefault(); }
    else if (ev.key === "ArrowUp") { active = (active + items.length - 1) % items.length; draw(); ev.preventDefault(); }
    else if (ev.key === "Enter" || ev.key === "Tab") { choose(active); ev.preventDefault(); }
    else if (ev.key === "Escape") close();
  });
  return wrap;
}
