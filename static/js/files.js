// Uploads and downloads for the controls' Files section. Transfers go through api.js; this
// module picks the endpoint and form fields, hands the browser a file to save, and passes a
// session made from an upload to the controller.

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

/** Download the primary model's parameters (npz, json, pytorch) or trace (npz, csv, json). */
export async function downloadFile(controller, what, format) {
  const m = controller.primary;
  if (!m || !m.id) throw new Error("no model yet");
  const kind = what === "params" ? "params" : "trace";
  const { blob, filename } = await rest.download(`${paths.session(m.id)}/export/${kind}?format=${format}`);
  save(blob, filename);
}

/**
 * Upload parameters (.npz, .safetensors or .json; notation, PyTorch or Keras names) or a CSV
 * sequence: the server makes a new session from it and the rest of the current setup, which
 * then replaces the primary model.
 */
export async function uploadFile(controller, what, file) {
  const s = controller.state.all();
  const fields = { cell: s.cell, seed: s.seed, truncate: s.truncate || "" };
  if (what === "params") {
    Object.assign(fields, { variant: "auto", task: s.task,
      task_options: JSON.stringify(s.length ? { length: s.length } : {}) });
  } else {
    Object.assign(fields, { variant: s.cell === "lstm" ? s.variant : "auto", hidden_size: s.hidden_size });
  }
  if (fields.truncate === "") delete fields.truncate;
  const files = { [what === "params" ? "params_file" : "sequence_file"]: file };
  // Parameters for a text of the user's own go with that text, not with the task.
  const task = controller.primary && controller.primary.info ? controller.primary.info.task : null;
  if (what === "params" && task && task.name === "text") {
    files.text_file = new Blob([task.extra.text], { type: "text/plain" });
    delete fields.task;
    delete fields.task_options;
  }
  const info = await rest.uploadFiles("/sessions/upload", files, fields);
  await controller.adopt(info);
}
