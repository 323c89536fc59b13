// Minimal DOM builders for the controls: h("button", {class: "x", onclick}, "text").
// Text goes in through textContent only, never innerHTML, so labels from the server are inert.

export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
    else if (k === "class") node.className = v;
    else if (k === "dataset") Object.assign(node.dataset, v);
    else if (k in node && typeof v !== "string") node[k] = v;
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

/** A labelled field: <label class="field"><span>text</span>control</label>. */
export function field(text, control, hint = null) {
  return h("label", { class: "field" }, h("span", { class: "field-label" }, text), control,
    hint ? h("span", { class: "field-hint" }, hint) : null);
}

/** A <select> with [value, text] options. */
export function select(name, options, attrs = {}) {
  return h("select", { name, ...attrs }, options.map(([value, text]) => h("option", { value }, text)));
}

/** Replace a select's options, keeping the current value when it is still offered. */
export function setOptions(sel, options) {
  const current = sel.value;
  sel.replaceChildren(...options.map(([value, text]) => h("option", { value }, text)));
  if (options.some(([v]) => v === current)) sel.value = current;
}

/**
 * Set a node's text when it changed. An existing lone text node is rewritten in place:
 * textContent would insert a new node, and an inserted node costs a restyle.
 */
export function setText(node, text) {
  const first = node.firstChild;
  if (first && first.nodeType === Node.TEXT_NODE && !first.nextSibling) {
    if (first.data !== text) first.data = text;
  } else if (node.textContent !== text) {
    node.textContent = text;
  }
}

/** Set a control's value only when it differs (keeps the caret and open pickers alone). */
export function setValue(control, value) {
  const text = String(value);
  if (control.type === "checkbox") {
    if (control.checked !== Boolean(value)) control.checked = Boolean(value);
  } else if (control.value !== text && document.activeElement !== control) {
    control.value = text;
  }
}
