// The sequence panel's requests for the controller: rank each model's units for a selected span
// (sequence_data.js asks the server and keeps the answers) and make a text of the user's own
// model A's sequence. The panel asks through events (sequence:rank, sequence:text).

import { rest } from "./api.js";
import { sessionBody } from "./model_session.js";

export class SequenceControl {
  constructor(controller) {
    this.c = controller;
  }

  /** Rank each model's units for the span [start, stop) (quantities: each model's key). */
  rankUnits({ start, stop, direction, polarity, quantities }) {
    const c = this.c;
    return c.sequence.rank(c.models, { start, stop, direction, polarity }, quantities);
  }

  /** A text of the user's own becomes model A's sequence (next-character prediction). */
  async useText(text) {
    const { task, ...body } = sessionBody(this.c.state.all());
    const info = await rest.createSession({ ...body, text });
    await this.c.adopt(info);
  }
}
