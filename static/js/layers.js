// Stacked layers on the page: how layer l's keys are named (docs/NOTATION.md, "Stacked layers":
// layer 0 keeps the bare key, layer l ≥ 1 appends `@l`) and the words for "which layer". Keys
// are only renamed here; every number is the engine's.

/** Layer l's name of a per-layer key (W_z → W_z@1). */
export function layerKey(key, l) {
  return l ? `${key}@${l}` : key;
}

/**
 * The parameters of the layer frames show, under their bare keys (b_z@1 → b_z), with the
 * readout's; the whole set for a one-layer model. params: GET …/params; meta: the store's.
 */
export function layerParams(params, meta) {
  if (!params || !meta || (meta.num_layers || 1) < 2) return params;
  const l = meta.layer ?? 0;
  const out = {};
  for (const [key, value] of Object.entries(params)) {
    const at = key.indexOf("@");
    if (at < 0) {
      if (l === 0 || !(layerKey(key, l) in params)) out[key] = value; // layer 0's, or the readout's
    } else if (Number(key.slice(at + 1)) === l) {
      out[key.slice(0, at)] = value;
    }
  }
  return out;
}

/** " — layer 1 of 2" for captions of a stacked model; "" for one layer. */
export function layerSuffix(meta) {
  const L = meta?.num_layers || 1;
  return L > 1 ? ` — layer ${meta.layer ?? 0} of ${L}` : "";
}
