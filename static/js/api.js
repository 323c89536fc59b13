// The only module that talks to the server: REST calls under /api/v1 (fetch) and the WebSocket
// stream of a session, with reconnect and dispatch of typed frames. Everything else on the page
// receives data from here through callbacks; no view ever calls the server.

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
  sessionTrace: (id) => call("GET", `${sid(id)}/trace`),
  train: (id, body) => call("POST", `${sid(id)}/train`, body),
  params: (id) => call("GET", `${sid(id)}/params`),
  experimentDefaults: () => call("GET", "/experiments/defaults"),
  startExperiment: (body) => call("POST", "/experiments", body),
  experiment: (id) => call("GET", `/experiments/${encodeURIComponent(id)}`),
  cancelExperiment: (id) => call("DELETE", `/experiments/${encodeURIComponent(id)}`),
  /** Upload a file as multipart form data under `name`, with extra form fields. */
  upload: (path, file, name, fields = {}) => {
    const form = new FormData();
    form.append(name, file);
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

export const paths = { session: sid };

const RECONNECT_MS = [250, 500, 1000, 2000, 4000, 8000];
const MAX_QUEUED = 32; // commands kept while (re)connecting; older ones are dropped

/**
 * The WebSocket stream of one session: send(cmd) JSON commands, on(type, fn) for frames by
 * their "type" ("forward", "backward", "metrics", "error", ...), "*" for every frame.
 * Reconnects with back-off after an unexpected close; onStatus reports "open"/"closed"/...
 */
export class Stream {
  constructor(sessionId, { onStatus = () => {} } = {}) {
    this.sessionId = sessionId;
    this.onStatus = onStatus;
    this.handlers = new Map();
    this.queue = [];
    this.attempt = 0;
    this.closed = false;
    this.ws = null;
    this.received = 0;
    this._connect();
  }

  get url() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    return `${scheme}://${location.host}${BASE}${sid(this.sessionId)}/stream`;
  }

  get open() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  on(type, fn) {
    if (!this.handlers.has(type)) this.handlers.set(type, new Set());
    this.handlers.get(type).add(fn);
    return () => this.handlers.get(type).delete(fn);
  }

  send(cmd) {
    if (this.closed) return false;
    if (this.open) {
      this.ws.send(JSON.stringify(cmd));
      return true;
    }
    this.queue.push(cmd);
    if (this.queue.length > MAX_QUEUED) this.queue.shift();
    return false;
  }

  /** Close for good (no reconnect). */
  close() {
    this.closed = true;
    this.queue = [];
    if (this.ws) this.ws.close(1000, "closed by the page");
  }

  _connect() {
    this.onStatus(this.attempt ? "reconnecting" : "connecting");
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      const reconnected = this.attempt > 0;
      this.attempt = 0;
      this.onStatus("open", { reconnected });
      const pending = this.queue.splice(0);
      for (const cmd of pending) ws.send(JSON.stringify(cmd));
    };
    ws.onmessage = (ev) => this._dispatch(ev.data);
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      // 4404 (unknown session) and 1008 (policy) will not heal by retrying.
      if (this.closed || ev.code === 4404 || ev.code === 1008) {
        this.onStatus("closed", { code: ev.code, reason: ev.reason });
        return;
      }
      const delay = RECONNECT_MS[Math.min(this.attempt, RECONNECT_MS.length - 1)];
      this.attempt += 1;
      this.onStatus("retrying", { code: ev.code, delay });
      setTimeout(() => !this.closed && this._connect(), delay);
    };
  }

  _dispatch(text) {
    let frame;
    try {
      frame = JSON.parse(text);
    } catch (error) {
      this._emit("error", { type: "error", detail: `unreadable frame: ${error.message}` });
      return;
    }
    this.received += 1;
    this._emit(frame && typeof frame.type === "string" ? frame.type : "unknown", frame);
  }

  _emit(type, frame) {
    for (const key of [type, "*"]) {
      const set = this.handlers.get(key);
      if (set) for (const fn of [...set]) fn(frame);
    }
  }
}
