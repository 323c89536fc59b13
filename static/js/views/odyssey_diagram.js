import { DiagramBase } from "./diagram_base.js";
import { LSTM_VALUES, LSTM_DELTAS } from "./notation.js";
export class OdysseyDiagram extends DiagramBase {
  constructor(container, opts = {}) {
    super(container, opts, { name: "odyssey", title: "odyssey", viewBox: [600, 480], values: LSTM_VALUES, deltas: LSTM_DELTAS });
  }
  _draw() {}
}
