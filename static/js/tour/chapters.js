// The guided tour: eight chapters from sequence data to the LSTM variants, each told on the live
// model. A chapter's `state` is applied to the page on top of TOUR_BASE (keys of state.js, so a
// chapter is also a link), `highlight` names diagram parts by their data-key, `focus` names a
// chart card to outline, and `body` is the text beside the model (our own static HTML).

/** What every chapter starts from, so a chapter looks the same however the reader got there. */
export const TOUR_BASE = {
  cell: "lstm", variant: "vanilla", hidden_size: 4, task: "sine", length: 0, seed: 0, init: "xavier",
  t: 0, mode: "forward", unit: 0, truncate: 0, clip_threshold: 0, diagram: "circuit", compare: false,
  cmpCell: "rnn", cmpVariant: "vanilla", heat: true, lines: true, eq: true,
};
// Chapters about error norms hide the other panels, so that chart sits right under the diagram.
const NORMS_ONLY = { heat: false, lines: false, eq: false };

// The cell-state highway of the circuit diagram, left to right.
const HIGHWAY = ["c-prev", "mul-f", "c-kept", "sum-c", "c", "c-next"];

export const CHAPTERS = [
  {
    id: "sequences",
    title: "1 · Sequence data and task types",
    // The last step, so the chart holds the whole sequence (and only that chart under the cell).
    state: { cell: "rnn", task: "sine", t: 49, heat: false, eq: false },
    highlight: ["x", "y-hat", "target"],
    focus: "card-states",
    body: `
      <p>A recurrent network reads a sequence one element at a time: <b>x(t)</b> for
      t = 0, 1, …, T−1. What it must answer decides the <em>task type</em>:</p>
      <ul>
        <li><b>many-to-many</b>: a target at every step. The <i>sine</i> task shown here predicts
        the next value of a wave at each step; <i>chars</i> predicts the next character.</li>
        <li><b>many-to-one</b>: one target after the whole sequence. <i>adding</i> asks for the sum
        of two marked numbers; <i>copy</i> for a symbol seen long ago; <i>weather</i> for the
        temperature a day ahead.</li>
        <li><b>one-to-many</b>: one input, a target at every step. <i>echo</i> gets a value at
        step 0 and must keep producing a fading copy of it.</li>
      </ul>
      <p>The highlighted parts are the input x(t), the prediction ŷ(t) and its target. The
      outlined chart draws the prediction and the target over the whole sequence: here every step
      carries a target (this network is untrained, so the two differ). Steps without a target add
      nothing to the loss. Change the task in the controls to see the other types.</p>`,
  },
  {
    id: "rnn-forward",
    title: "2 · The simple RNN, unfolded over time",
    state: { cell: "rnn", task: "sine", t: 3 },
    highlight: ["a", "h", "W-prev", "W-next"],
    body: `
      <p>The simple RNN keeps one vector, the hidden state <b>h</b>. At every step it mixes the
      new input with what it remembers:</p>
      <p class="eq">a(t) = b + W h(t−1) + U x(t), &nbsp; h(t) = tanh(a(t)), &nbsp; o(t) = c + V h(t)</p>
      <p>Drawn <em>unfolded</em>, the same cell is repeated once per step, and the arrow labelled
      <b>W</b> carries h from one copy to the next. The copies are not different networks:
      <b>U, W, b, V and c are the same at every step</b>. Press <kbd>→</kbd> to step and watch h
      change while the weights stay put.</p>`,
  },
  {
    id: "bptt",
    title: "3 · Backpropagation through time",
    state: { cell: "rnn", task: "sine", t: 44, mode: "backward" },
    highlight: ["W-next", "h", "a"],
    focus: "card-norms",
    body: `
      <p>After the forward pass the error runs backwards, from the last step to the first. At
      step t the hidden state receives two errors: one from its own output, <b>Vᵀ δo(t)</b>, and
      one from the future, <b>Wᵀ δa(t+1)</b>, arriving along the highlighted arrow:</p>
      <p class="eq">δh(t) = Vᵀ δo(t) + Wᵀ δa(t+1), &nbsp; δa(t) = δh(t) ⊙ (1 − h(t)²)</p>
      <p>The <em>errors</em> depend on t; the <em>parameters</em> do not. So every gradient is a
      sum over the steps, dW = Σₜ δa(t) h(t−1)ᵀ, and the parameters are changed once, after the
      whole sequence. Press <kbd>Shift</kbd>+<kbd>←</kbd> for one more BPTT step.</p>
      <p><b>Truncated BPTT</b> (set k under “Truncate k”) stops the error after k steps back, so
      a long sequence can be learned in pieces; the gradient is then an approximation.</p>`,
  },
  {
    id: "vanishing",
    title: "4 · Vanishing and exploding gradients",
    state: { cell: "rnn", task: "copy", compare: true, cmpCell: "lstm", t: 0, mode: "backward",
      ...NORMS_ONLY },
    highlight: ["W-next", "c-next"],
    focus: "card-norms",
    body: `
      <p>Each step back multiplies the error by Wᵀ and by tanh′ ≤ 1. Over many steps that product
      shrinks towards zero (<b>vanishing</b>) or, with large weights, grows without bound
      (<b>exploding</b>). The chart of error norms uses a log axis: a straight falling line is
      an exponential decay.</p>
      <p>The <i>copy</i> task asks at the last step for the symbol seen at the first. Beside the
      RNN (A) runs an LSTM (B) on the same sequence. Follow the error from the last step back to
      step 0 on the chart: the RNN's ‖δh‖ (solid) falls steeply, step after step, while the
      LSTM's ‖δc‖ along its cell (dashed) hardly falls at all.</p>
      <p>Exploding gradients have a simple cure: <b>clipping</b> rescales the gradient when its
      norm passes a threshold (“Clip ‖g‖”). Train with clipping off and a large learning rate to
      see why it is needed.</p>`,
  },
  {
    id: "lstm-circuit",
    title: "5 · The LSTM forward pass as a circuit",
    state: { cell: "lstm", variant: "NP", task: "adding", t: 5, diagram: "circuit" },
    highlight: [...HIGHWAY, "zi"],
    body: `
      <p>The LSTM block has two streams. Along the top runs the <b>cell state</b> c, a highway
      from c(t−1) to c(t). Below, x(t) and y(t−1) feed four units: the block input <b>z</b>
      (tanh) and three gates <b>i, f, o</b> (σ, between 0 and 1).</p>
      <p class="eq">c(t) = z(t) ⊙ i(t) + c(t−1) ⊙ f(t), &nbsp; y(t) = tanh(c(t)) ⊙ o(t)</p>
      <p>On the highway c(t−1) is first multiplied by the forget gate; then z ⊙ i joins at the +,
      the on-ramp. A branch of c(t) goes through tanh and the output gate to become y(t). This
      block has no peepholes yet (variant NP, the LSTM of PyTorch and Keras). Hover any wire to
      read its value for the selected unit.</p>`,
  },
  {
    id: "lstm-odyssey",
    title: "6 · The same cell, Space Odyssey style, and peepholes",
    state: { cell: "lstm", variant: "vanilla", task: "adding", t: 5, diagram: "odyssey" },
    highlight: ["cell", "c-loop-out", "peephole-i", "peephole-f", "peephole-o"],
    body: `
      <p>Greff et al. draw the very same equations differently: the cell sits in the centre and
      turns around itself through the forget gate (the dotted line is the step from t−1 to t).
      The block input comes from below, the gates sit around the cell, and y(t) leaves at the
      top.</p>
      <p>The blue lines are <b>peepholes</b>: the gates look at the cell itself,
      ī = W_i x + R_i y(t−1) + <b>p_i ⊙ c(t−1)</b> + b_i, the same for f, and p_o ⊙ c(t) for
      the output gate. This is Greff's <i>vanilla</i> LSTM; without the peepholes it is NP.</p>`,
  },
  {
    id: "lstm-backprop",
    title: "7 · LSTM backprop: the highway and the gates",
    state: { cell: "lstm", variant: "vanilla", task: "copy", t: 0, mode: "backward",
      diagram: "circuit", ...NORMS_ONLY },
    highlight: [...HIGHWAY, "y-loop"],
    focus: "card-norms",
    body: `
      <p>Backwards, the error reaches step t by two roads. Through the gates, as in the RNN: dy(t)
      gets Σ R<sub>*</sub>ᵀ δ*̄(t+1) along the recurrent loop. And along the highway:</p>
      <p class="eq">δc(t) = δy(t) ⊙ o(t) ⊙ h′(c(t)) + … + δc(t+1) ⊙ f(t+1)</p>
      <p>On the highway the error is multiplied only by the forget gate, not by a weight matrix
      and a squashing derivative. While f stays near 1 the error travels far. Before any training
      f is well below 1, so ‖δc(t)‖ still shrinks step by step on the chart, but more slowly than
      ‖δy(t)‖; training can open the forget gate further where the task needs a long memory.</p>`,
  },
  {
    id: "variants",
    title: "8 · The variants: what each part is worth",
    state: { cell: "lstm", variant: "vanilla", hidden_size: 8, task: "sine", length: 20,
      diagram: "odyssey" },
    highlight: [],
    experiment: true,
    body: `
      <p>Greff et al. removed one part of the LSTM at a time and trained each variant on speech,
      handwriting and music: no input gate (NIG), no forget gate (NFG), no output gate (NOG), no
      input or output activation (NIAF, NOAF), no peepholes (NP), coupled input and forget gates
      (CIFG), full gate recurrence (FGR).</p>
      <p>Run the same experiment in small: every variant learns the sine task from the same seeds
      on the same sequences, and the box plot shows each run's loss on sequences it never saw.
      Our small task is not their benchmark: read the result beside theirs, not as a
      replication.</p>`,
  },
];
