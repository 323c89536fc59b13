// What the sequence panel shows beyond the frames, fetched for each model the controller holds:
// the sequence itself (GET …/sequence, once per session), the connectivity of the step shown
// (GET …/connectivity, refetched when t or the parameters change, one call in flight per
// model) and the units ranked for a selected span (POST …/units/rank). The engine computes
// every number; this module only asks for them at the right moments and keeps the answers.
// Owned by the controller; views read it through main.js.

import { ApiError, rest } from "./api.js";

export class SequenceData {
  /** onChange(): something arrived; onError(error): a call failed (not a stale 422). */
  constructor({ onChange = () => {}, onError = () => {} } = {}) {
    this.onChange = onChange;
    this.onError = onError;
    this._entries = new Map(); // session id → entry
  }

  /** The entry of a model session (created on first use). */
  entry(m) {
    const id = m && m.id;
    if (!id) return null;
    let e = this._entries.get(id);
    if (!e) {
      e = { id, sequence: null, loading: false, failed: null,
        conn: { key: null, t: null, norms: null, pendingT: null, busy: false, error: null, failed: null },
        rank: { result: null, key: null, busy: false, error: null, request: null } };
      this._entries.set(id, e);
    }
    return e;
  }

  /** Forget the entries of sessions that are gone. */
  keep(models) {
    const live = new Set(models.map((m) => m.id).filter(Boolean));
    for (const id of this._entries.keys()) if (!live.has(id)) this._entries.delete(id);
  }

  /**
   * Called with every render: load each model's sequence once; while colouring by connectivity
   * and not training, make sure the connectivity of step t is (being) fetched.
   */
  sync(models, { t, paint }, { training = false } = {}) {
    this.keep(models);
    for (const m of models) {
      const e = this.entry(m);
      if (!e) continue;
      if (!e.sequence && !e.loading && !e.failed) this._loadSequence(m, e);
      const key = paramsKey(m);
      if (e.rank.key !== null && e.rank.key !== key) {
        e.rank = { result: null, key: null, busy: false, error: null, request: null };
      }
      if (paint === "connectivity" && !training && m.store.fwd[t]) this._wantConnectivity(m, e, t, key);
    }
  }

  async _loadSequence(m, e) {
    e.loading = true;
    try {
      e.sequence = await rest.sequence(m.id);
    } catch (error) {
      e.failed = error;
      if (!(error instanceof ApiError && error.status === 404)) this.onError(error);
    } finally {
      e.loading = false;
      this.onChange();
    }
  }

  /** The connectivity of step t for this model's current parameters, or null (not yet). */
  connectivity(m, t) {
    const e = this.entry(m);
    if (!e || e.conn.key !== paramsKey(m) || e.conn.t !== t) return null;
    return e.conn.norms;
  }

  /** The last connectivity received (perhaps of another step), for drawing while one loads. */
  lastConnectivity(m) {
    const e = this.entry(m);
    return e && e.conn.key === paramsKey(m) ? { t: e.conn.t, norms: e.conn.norms } : null;
  }

  /** Why the connectivity of step t could not be had (over the budget …), or null. */
  connectivityError(m, t) {
    const e = this.entry(m);
    return e && e.conn.failed === `${paramsKey(m)}|${t}` ? e.conn.error : null;
  }

  _wantConnectivity(m, e, t, key) {
    const c = e.conn;
    if ((c.key === key && c.t === t) || c.failed === `${key}|${t}`) return;
    c.pendingT = t;
    if (c.busy) return; // the newest wish is fetched when the call in flight returns
    this._fetchConnectivity(m, e, key);
  }

  async _fetchConnectivity(m, e, key) {
    const c = e.conn;
    const t = c.pendingT;
    c.busy = true;
    try {
      const reply = await rest.connectivity(m.id, t);
      if (paramsKey(m) === key) Object.assign(c, { key, t, norms: reply.norms, error: null });
      if (c.pendingT === t) c.pendingT = null;
    } catch (error) {
      // Not asked again for these parameters and step (a 422: over the budget, or a step no
      // longer computed after a reset; the next step or new parameters ask afresh).
      c.error = error instanceof ApiError ? error.message : String(error);
      c.failed = `${key}|${t}`;
      if (!(error instanceof ApiError && (error.status === 422 || error.status === 404))) this.onError(error);
      if (c.pendingT === t) c.pendingT = null;
    } finally {
      c.busy = false;
      this.onChange();
    }
    const next = c.pendingT;
    const now = paramsKey(m);
    if (next !== null && !(c.key === now && c.t === next) && c.failed !== `${now}|${next}`) {
      this._fetchConnectivity(m, e, now);
    }
  }

  /**
   * Rank every model's units for the span [start, stop): request = {start, stop, quantity,
   * direction, polarity}; `quantities[k]` is the key model k ranks by (it may lack a gate).
   */
  async rank(models, request, quantities) {
    await Promise.all(models.map(async (m, k) => {
      const e = this.entry(m);
      if (!e) return;
      const body = { ...request, quantity: quantities[k] };
      e.rank = { result: null, key: paramsKey(m), busy: true, error: null, request: body };
      this.onChange();
      try {
        e.rank.result = await rest.rankUnits(m.id, body);
      } catch (error) {
        e.rank.error = error instanceof ApiError ? error.message : String(error);
      } finally {
        e.rank.busy = false;
        this.onChange();
      }
    }));
  }
}

/** What the connectivity and the ranking depend on: the session, its store epoch, training. */
function paramsKey(m) {
  return `${m.id}|${m._epoch}|${m.store.version.train}`;
}
