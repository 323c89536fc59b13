// The api module, the only code that talks to the server: REST calls under /api/v1 (fetch,
// here), the WebSocket stream of a session (api_stream.js) and the two transports that move a
// session's cursors over one or the other with the same methods (api_transport.js). Everything
// else on the page receives data from here through callbacks; no view ever calls the server.

const BASE = "/api/v1";

/** A failed call: HTTP status and the server's message (FastAPI's detail, flattened). */
export class ApiError extends Error {
  constructor(status, detail, path) {
    super(ApiError.message(detail, status));
    this.status = status;
    this.detail = detail;
    this.path = path;
  }

  static message(detail, status) {
    if (Array.isArray(detail)) {
      return detail.map((d) => d.msg || JSON.stringify(d)).join("; ");
    }
    if (typeof detail === "string") return detail;
    return `HTTP ${status}`;
  }
}

async function call(method, path, body = undefined, { raw = false } = {}) {
  const init = { method, headers: {} };
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(`${BASE}${path}`, init);
  if (!response.ok) {
    let detail = null;
    try {
      detail = (await response.json()).detail;
    } catch {
      detail = await response.text().catch(() => null);
    }
    throw new ApiError(response.status, detail, path);
  }
  if (raw) return response;
  if (response.status === 204) return null;
  return response.json();
}

const sid = (id) => `/sessions/${encodeURIComponent(id)}`;
const query = (params) => new URLSearchParams(params).toString();

/** REST endpoints, one function each, named after what they do. */
export const rest = {
  presets: () => call("GET", "/presets"),
  trace: (body) => call("POST", "/trace", body),
  createSession: (body) => call("POST", "/sessions", body),
  session: (id) => call("GET", sid(id)),
  updateSession: (id, body) => call("PATCH", sid(id), body),
  deleteSession: (id) => call("DELETE", sid(id)),
  forward: (id, body = {}) => call("POST", `${sid(id)}/forward`, body),
  back: (id, body = {}) => call("POST", `${sid(id)}/back`, body),
  backward: (id, body = {}) => call("POST", `${sid(id)}/backward`, body),
  seek: (id, body) => call("POST", `${sid(id)}/seek`, body),
  reset: (id, body = {}) => call("POST", `${sid(id)}/reset`, body),
  /** Frames of steps [start, stop) the server has computed (at most a few hundred per reply). */
  frames: (id, { direction, start, stop }) =>
    call("GET", `${sid(id)}/frames?${query({ direction, start, stop })}`),
  train: (id, body) => call("POST", `${sid(id)}/train`, body),
  /** The session's data: inputs, targets, tokens and vocabulary, the original scale. */
  sequence: (id) => call("GET", `${sid(id)}/sequence`),
  /** ‖∂ŷ(t)/∂x(t′)‖ for t′ = 0 … t. */
  connectivity: (id, t) => call("GET", `${sid(id)}/connectivity?${query({ t })}`),
  /** Units ranked for a span: {start, stop, quantity, direction, polarity, top}. */
  rankUnits: (id, body) => call("POST", `${sid(id)}/units/rank`, body),
  params: (id) => call("GET", `${sid(id)}/params`),
  experimentDefaults: () => call("GET", "/experiments/defaults"),
  startExperiment: (body) => call("POST", "/experiments", body),
  experiment: (id) => call("GET", `/experiments/${encodeURIComponent(id)}`),
  cancelExperiment: (id) => call("DELETE", `/experiments/${encodeURIComponent(id)}`),
  /** Upload a file as multipart form data under `name`, with extra form fields. */
  upload: (path, file, name, fields = {}) => rest.uploadFiles(path, { [name]: file }, fields),
  /** Upload several files at once ({field: File | Blob}) with extra form fields. */
  uploadFiles: (path, files, fields = {}) => {
    const form = new FormData();
    for (const [name, file] of Object.entries(files)) form.append(name, file);
    for (const [k, v] of Object.entries(fields)) form.append(k, String(v));
    return call("POST", path, form);
  },
  /** Fetch a download as a Blob with its suggested file name. */
  download: async (path) => {
    const response = await call("GET", path, undefined, { raw: true });
    const disposition = response.headers.get("Content-Disposition") || "";
    const match = /filename="?([^";]+)"?/.exec(disposition);
    return { blob: await response.blob(), filename: match ? match[1] : path.split("/").pop() };
  },
};

export const paths = {
  session: sid,
  /** The WebSocket URL of a session's stream, on this page's host. */
  stream: (id) => `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${BASE}${sid(id)}/stream`,
};
