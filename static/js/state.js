// The whole page state as a table of typed properties, serialised into the URL hash
// (tensorflow/playground's habit): any view can be shared by copying the address.
// Only values that differ from the default are written, so links stay short.

const T_INT = "int";
const T_NUM = "number";
const T_BOOL = "bool";
const T_ENUM = "enum";
const T_STR = "string";

/** name → {type, default, ...limits}. `model: true` marks what needs a new session. */
export const PROPS = {
  cell: { type: T_ENUM, values: ["lstm", "rnn"], default: "lstm", model: true },
  variant: { type: T_STR, pattern: /^[A-Za-z]+(\+[A-Za-z]+)*$/, default: "vanilla", model: true },
  hidden: { type: T_INT, min: 1, max: 512, default: 4, model: true },
  task: { type: T_STR, pattern: /^[a-z_]+$/, default: "sine", model: true },
  length: { type: T_INT, min: 0, max: 2000, default: 0, model: true }, // 0 = the task's own
  seed: { type: T_INT, min: 0, max: 2 ** 31 - 1, default: 0, model: true },
  init: { type: T_ENUM, values: ["xavier", "uniform"], default: "xavier", model: true },
  // Cursor of the current mode: forward step shown, or the step BPTT has reached.
  t: { type: T_INT, min: 0, max: 1999, default: 0 },
  mode: { type: T_ENUM, values: ["forward", "backward"], default: "forward" },
  unit: { type: T_INT, min: 0, max: 511, default: 0 },
  trunc: { type: T_INT, min: 0, max: 2000, default: 0 }, // 0 = full BPTT
  clip: { type: T_NUM, min: 0, max: 1e6, default: 0 }, // global-norm threshold, 0 = off
  optimizer: { type: T_ENUM, values: ["adam", "sgd"], default: "adam" },
  lr: { type: T_NUM, min: 1e-6, max: 10, default: 0.01 },
  speed: { type: T_INT, min: 1, max: 120, default: 4 }, // steps per second while playing
  diagram: { type: T_ENUM, values: ["circuit", "odyssey"], default: "circuit" },
  heat: { type: T_BOOL, default: true },
  lines: { type: T_BOOL, default: true },
  eq: { type: T_BOOL, default: true },
  compare: { type: T_BOOL, default: false, model: true },
  cmpCell: { type: T_ENUM, values: ["lstm", "rnn"], default: "rnn", model: true },
  cmpVariant: { type: T_STR, pattern: /^[A-Za-z]+(\+[A-Za-z]+)*$/, default: "vanilla", model: true },
  tour: { type: T_INT, min: 0, max: 8, default: 0 }, // guided-tour chapter (tour/), 0 = closed
  lecture: { type: T_BOOL, default: false },
};

/** Parse one raw string for property `name`; returns undefined when it is not valid. */
export function parseValue(name, raw) {
  const p = PROPS[name];
  if (!p || raw === undefined || raw === null) return undefined;
  const s = String(raw);
  switch (p.type) {
    case T_INT: {
      if (!/^-?\d+$/.test(s)) return undefined;
      const n = Number(s);
      return n >= p.min && n <= p.max ? n : undefined;
    }
    case T_NUM: {
      const n = Number(s);
      return s !== "" && Number.isFinite(n) && n >= p.min && n <= p.max ? n : undefined;
    }
    case T_BOOL:
      return s === "true" || s === "1" ? true : s === "false" || s === "0" ? false : undefined;
    case T_ENUM:
      return p.values.includes(s) ? s : undefined;
    default:
      return p.pattern.test(s) ? s : undefined;
  }
}

export class State {
  constructor(initial = {}) {
    this._v = {};
    for (const [name, p] of Object.entries(PROPS)) this._v[name] = p.default;
    this.set(initial);
  }

  get(name) {
    if (!(name in PROPS)) throw new Error(`unknown state property ${name}`);
    return this._v[name];
  }

  /** Every value, as a plain object (a copy). */
  all() {
    return { ...this._v };
  }

  /** Set several properties; invalid values are rejected loudly. Returns the names that changed. */
  set(values) {
    const changed = [];
    for (const [name, value] of Object.entries(values)) {
      if (!(name in PROPS)) throw new Error(`unknown state property ${name}`);
      const parsed = parseValue(name, value);
      if (parsed === undefined) throw new Error(`state.${name}: invalid value ${value}`);
      if (this._v[name] !== parsed) {
        this._v[name] = parsed;
        changed.push(name);
      }
    }
    return changed;
  }

  /** Properties that define the model and its data: changing one needs a new session. */
  modelKey() {
    return Object.keys(PROPS).filter((n) => PROPS[n].model).map((n) => `${n}=${this._v[n]}`)
      .join("&");
  }

  /** "#cell=rnn&t=5": non-default values only, in table order. */
  toHash() {
    const parts = [];
    for (const [name, p] of Object.entries(PROPS)) {
      if (this._v[name] !== p.default) {
        parts.push(`${name}=${encodeURIComponent(String(this._v[name]))}`);
      }
    }
    return parts.length ? `#${parts.join("&")}` : "";
  }

  /** A State from a hash; unknown keys and invalid values are skipped and listed. */
  static fromHash(hash) {
    const state = new State();
    const rejected = [];
    const text = (hash || "").replace(/^#/, "");
    for (const part of text.split("&")) {
      if (!part) continue;
      const eq = part.indexOf("=");
      const name = eq < 0 ? part : part.slice(0, eq);
      const raw = eq < 0 ? "" : decodeURIComponent(part.slice(eq + 1));
      const value = parseValue(name, raw);
      if (value === undefined) rejected.push(part);
      else state._v[name] = value;
    }
    return { state, rejected };
  }
}
