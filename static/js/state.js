// The whole page state as a table of typed properties, serialised into the URL hash
// (tensorflow/playground's habit): any view can be shared by copying the address.
// Only values that differ from the default are written, so links stay short. Names are the
// API's (hidden_size, truncate, learning_rate, clip_threshold; docs/NOTATION.md "Names");
// links written with the older short keys still open. Bounds the server sets are read from
// GET /api/v1/presets (setLimits), never copied here.

import { CHAPTERS } from "./tour/chapters.js";

const T_INT = "int";
const T_NUM = "number";
const T_BOOL = "bool";
const T_ENUM = "enum";
const T_STR = "string";
const KEY = /^[A-Za-z]+(\+[A-Za-z]+)*$/;

/**
 * name → {type, default, min, max, gt, ...}. `model: true` marks what needs a new session; `max`
 * may be a function of the server's limits (unbounded until they are known); `alias` lists the
 * link keys of earlier versions.
 */
export const PROPS = {
  cell: { type: T_ENUM, values: ["lstm", "rnn"], default: "lstm", model: true },
  variant: { type: T_STR, pattern: KEY, default: "vanilla", model: true },
  hidden_size: { type: T_INT, min: 1, max: (L) => L.max_hidden_size, default: 4, model: true,
    alias: ["hidden"] },
  // Stacked layers L (PyTorch's num_layers); the diagrams, heatmaps and equations show `layer`.
  num_layers: { type: T_INT, min: 1, max: (L) => L.max_num_layers, default: 1, model: true },
  task: { type: T_STR, pattern: /^[a-z_]+$/, default: "sine", model: true },
  // 0 = the task's own length.
  length: { type: T_INT, min: 0, max: (L) => L.max_sequence_length, default: 0, model: true },
  seed: { type: T_INT, min: 0, max: 2 ** 32 - 1, default: 0, model: true }, // the API's seed range
  init: { type: T_ENUM, values: ["xavier", "uniform"], default: "xavier", model: true },
  // Cursor of the current mode: forward step shown, or the step BPTT has reached.
  t: { type: T_INT, min: 0, max: (L) => L.max_sequence_length - 1, default: 0 },
  mode: { type: T_ENUM, values: ["forward", "backward"], default: "forward" },
  unit: { type: T_INT, min: 0, max: (L) => L.max_hidden_size - 1, default: 0 },
  // The layer shown (0 = the one reading x; a link without it shows layer 0).
  layer: { type: T_INT, min: 0, max: (L) => L.max_num_layers - 1, default: 0 },
  // 0 = full BPTT.
  truncate: { type: T_INT, min: 0, max: (L) => L.max_sequence_length, default: 0, alias: ["trunc"] },
  // Global-norm threshold, 0 = no clipping.
  clip_threshold: { type: T_NUM, min: 0, default: 0, alias: ["clip"] },
  optimizer: { type: T_ENUM, values: ["adam", "sgd"], default: "adam" },
  learning_rate: { type: T_NUM, gt: 0, default: 0.01, alias: ["lr"] },
  speed: { type: T_INT, min: 1, max: 120, default: 4 }, // steps per second: the page's slider
  diagram: { type: T_ENUM, values: ["circuit", "odyssey"], default: "circuit" },
  heat: { type: T_BOOL, default: true },
  lines: { type: T_BOOL, default: true },
  eq: { type: T_BOOL, default: true },
  // The sequence panel: shown; what colours its steps (a unit's quantity, or the connectivity).
  seq: { type: T_BOOL, default: true },
  quantity: { type: T_ENUM, values: ["c", "y", "z", "i", "f", "o", "h", "a"], default: "c" },
  paint: { type: T_ENUM, values: ["unit", "connectivity"], default: "unit" },
  compare: { type: T_BOOL, default: false, model: true },
  cmpCell: { type: T_ENUM, values: ["lstm", "rnn"], default: "rnn", model: true },
  cmpVariant: { type: T_STR, pattern: KEY, default: "vanilla", model: true },
  tour: { type: T_INT, min: 0, max: CHAPTERS.length, default: 0 }, // guided-tour chapter, 0 = closed
  lecture: { type: T_BOOL, default: false },
};

/** Link key → property name, for the keys of earlier versions. */
const ALIASES = Object.fromEntries(Object.entries(PROPS)
  .flatMap(([name, p]) => (p.alias || []).map((old) => [old, name])));

function bound(p, limits) {
  const max = typeof p.max === "function" ? (limits ? p.max(limits) : undefined) : p.max;
  return Number.isFinite(max) ? max : Infinity;
}

/** Parse one raw string for property `name` within `limits`; undefined when it is not valid. */
export function parseValue(name, raw, limits = null) {
  const p = PROPS[name];
  if (!p || raw === undefined || raw === null) return undefined;
  const s = String(raw);
  const inRange = (n) => (p.min === undefined || n >= p.min) && (p.gt === undefined || n > p.gt)
    && n <= bound(p, limits);
  switch (p.type) {
    case T_INT: {
      if (!/^\d+$/.test(s) && !(p.min < 0 && /^-\d+$/.test(s))) return undefined;
      const n = Number(s);
      return Number.isSafeInteger(n) && inRange(n) ? n : undefined;
    }
    case T_NUM: {
      const n = Number(s);
      return s.trim() !== "" && Number.isFinite(n) && inRange(n) ? n : undefined;
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
  constructor(initial = {}, limits = null) {
    this._v = {};
    this.limits = limits;
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
    const parsed = {};
    for (const [name, value] of Object.entries(values)) {
      if (!(name in PROPS)) throw new Error(`unknown state property ${name}`);
      const v = parseValue(name, value, this.limits);
      if (v === undefined) throw new Error(`state.${name}: invalid value ${value}`);
      parsed[name] = v;
    }
    const changed = [];
    for (const [name, v] of Object.entries(parsed)) {
      if (this._v[name] !== v) {
        this._v[name] = v;
        changed.push(name);
      }
    }
    return changed;
  }

  /**
   * The server's limits (GET /presets "limits"): from now on values are checked against them.
   * Values already set beyond them go back to their defaults; returns those, as "name=value".
   */
  setLimits(limits) {
    this.limits = limits;
    const reset = [];
    for (const [name, p] of Object.entries(PROPS)) {
      if (parseValue(name, this._v[name], limits) === undefined) {
        reset.push(`${name}=${this._v[name]}`);
        this._v[name] = p.default;
      }
    }
    return reset;
  }

  /** Properties that define the model and its data: changing one needs a new session. */
  modelKey(values = this._v) {
    return Object.keys(PROPS).filter((n) => PROPS[n].model).map((n) => `${n}=${values[n]}`)
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
  static fromHash(hash, limits = null) {
    const state = new State({}, limits);
    const rejected = [];
    const text = (hash || "").replace(/^#/, "");
    for (const part of text.split("&")) {
      if (!part) continue;
      const eq = part.indexOf("=");
      const key = eq < 0 ? part : part.slice(0, eq);
      const name = key in PROPS ? key : ALIASES[key];
      let raw = "";
      try {
        raw = eq < 0 ? "" : decodeURIComponent(part.slice(eq + 1));
      } catch {
        raw = undefined; // a malformed %-escape
      }
      const value = name === undefined ? undefined : parseValue(name, raw, limits);
      if (value === undefined) rejected.push(part);
      else state._v[name] = value;
    }
    return { state, rejected };
  }
}
