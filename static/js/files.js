// Uploads and downloads for the controls' Files section. Transfers go through api.js; this
// module only chooses the endpoint, hands the browser a file to save, and reopens the
// session when an upload replaced the model or the sequence.

import { rest, paths } from "./api.js";

/** Ask the browser to save a Blob under `filename`. */
function save(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Download the primary model's parameters or trace in `format`. */
export async function downloadFile(controller, what, format) {
  const m = controller.primary;
  if (!m || !m.id) throw new Error("no model yet");
  const base = paths.session(m.id);
  const path = what === "params" ? `${base}/params/export?format=${format}` : `${base}/trace/export?format=${format}`;
  const { blob, filename } = await rest.download(path);
  save(blob, filename);
}

/** Upload parameters (any supported format) or a CSV sequence into the primary model. */
export async function uploadFile(controller, what, file) {
  const m = controller.primary;
  if (!m || !m.id) throw new Error("no model yet");
  const base = paths.session(m.id);
  const info = await rest.upload(what === "params" ? `${base}/params/import` : `${base}/sequence`, file);
  await controller.adopt(info);
}
