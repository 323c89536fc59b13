// The WebSocket stream of one session (part of the api module, see api.js): typed JSON frames
// in, JSON commands out, reconnecting with back-off after an unexpected close.

import { paths } from "./api.js";

const RECONNECT_MS = [250, 500, 1000, 2000, 4000, 8000];

/**
 * The WebSocket stream of one session: send(cmd) JSON commands while it is open, on(type, fn)
 * for frames by their "type" ("forward", "backward", "metrics", "state", ...), "*" for every
 * frame. Reconnects with back-off after an unexpected close; onStatus reports
 * "connecting" / "open" / "retrying" / "reconnecting" / "closed".
 */
export class Stream {
  constructor(sessionId, { onStatus = () => {} } = {}) {
    this.sessionId = sessionId;
    this.onStatus = onStatus;
    this.handlers = new Map();
    this.attempt = 0;
    this.closed = false;
    this.ws = null;
    this._connect();
  }

  get url() {
    return paths.stream(this.sessionId);
  }

  get open() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  on(type, fn) {
    if (!this.handlers.has(type)) this.handlers.set(type, new Set());
    this.handlers.get(type).add(fn);
    return () => this.handlers.get(type).delete(fn);
  }

  /** Send one command; false (nothing sent) when the stream is not open. */
  send(cmd) {
    if (this.closed || !this.open) return false;
    this.ws.send(JSON.stringify(cmd));
    return true;
  }

  /** Close for good (no reconnect). */
  close() {
    this.closed = true;
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
    this._emit(frame && typeof frame.type === "string" ? frame.type : "unknown", frame);
  }

  _emit(type, frame) {
    for (const key of [type, "*"]) {
      const set = this.handlers.get(key);
      if (set) for (const fn of [...set]) fn(frame);
    }
  }
}
