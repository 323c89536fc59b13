// A tiny event bus with namespaced events ("control:step", "view:hover", "api:frame", ...).
// Views emit what the user asked for; only main.js listens and decides what happens, so no
// view knows about the server or about another view (LSTMVis's event pattern).

export class EventBus {
  constructor() {
    this._handlers = new Map();
  }

  /** Listen to `name` ("ns:event") or a whole namespace ("ns:*"); returns an unsubscribe. */
  on(name, handler) {
    if (!/^[a-z]+:(\*|[a-z][a-z0-9-]*)$/.test(name)) {
      throw new Error(`event name must be "namespace:event", got ${name}`);
    }
    if (!this._handlers.has(name)) this._handlers.set(name, new Set());
    this._handlers.get(name).add(handler);
    return () => this._handlers.get(name)?.delete(handler);
  }

  /** Call every handler of `name` and of its namespace wildcard with (detail, name). */
  emit(name, detail = {}) {
    const ns = name.slice(0, name.indexOf(":"));
    for (const key of [name, `${ns}:*`]) {
      const set = this._handlers.get(key);
      if (!set) continue;
      for (const handler of [...set]) {
        try {
          handler(detail, name);
        } catch (error) {
          // One broken listener must not silence the others; report it loudly all the same.
          console.error(`handler of ${name} failed:`, error);
        }
      }
    }
  }
}

/** The page's one bus. */
export const bus = new EventBus();
