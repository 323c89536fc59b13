// The guided tour: eight chapters from sequence data to LSTM backprop, each told on the live
// model. A chapter's `state` is applied to the page (same keys as the URL state), `highlight`
// names diagram parts by their data-key, and `body` is the text shown beside the model.

export const CHAPTERS = [
  {
    id: "sequences",
    title: "1 · Sequence data and task types",
    state: { cell: "rnn", task: "sine", t: 0, mode: "forward", diagram: "rnn" },
    highlight: ["x", "y_hat"],
    body: `
      <p>A recurrent network reads a sequence one element at a time: <b>x(t)</b> for t = 0, 1, …, T−1.
      What it must answer decides the <em>task type</em>:</p>
      <ul>
        <li><b>many-to-many</b>: a target at every step. The <i>sine</i> task predicts the next value
        of a wave at each step; the <i>chars</i> task predicts the next character.</li>
        <li><b>many-to-one</b>: one target after the whole sequence. The <i>adding</i> problem asks for
        the sum of two marked numbers; <i>weather</i> forecasts the temperature a day ahead from the
        last twelve hours.</li>
        <li><b>one-to-many</b>: one input, a target at every step. <i>echo</i> gets a value at step 0
        and must keep producing a fading copy of it.</li>
      </ul>
      <p>Pick a task in the controls: the chart of inputs and targets shows which steps carry a target.
      Steps without one add nothing to the loss.</p>`,
  },
  {
    id: "rnn-forward",
    title: "2 · The simple RNN, unfolded over time",
    state: { cell: "rnn", task: "sine", t: 3, mode: "forward", diagram: "rnn" },
    highlight: ["a", "h", "W"],
    body: `
      <p>The simple RNN keeps one vector, the hidden state <b>h</b>. At every step it mixes the new
      input with what it remembers:</p>
      <p class="eq">a(t) = b + W h(t−1) + U x(t), &nbsp; h(t) = tanh(a(t)), &nbsp; o(t) = c + V h(t)</p>
      <p>Drawn <em>unfolded</em>, the same cell is repeated once per step, and the arrow labelled
      <b>W</b> carries h from one copy to the next. The copies are not different networks:
      <b>U, W, b, V, c are the same at every step</b>. Press → to step and watch h change while the
      weights stay put.</p>`,
  },
  {
    id: "bptt",
    title: "3 · Backpropagation through time",
    state: { cell: "rnn", task: "sine", t: 19, mode: "backward", diagram: "rnn", truncate: 0 },
    highlight: ["dh", "da", "dh_from_next"],
    body: `
      <p>After the forward pass, the error runs backwards from the last step to the first. At step t
      the hidden state receives two errors: one from its own output, <b>Vᵀ do(t)</b>, and one from
      the future, <b>Wᵀ da(t+1)</b>:</p>
      <p class="eq">dh(t) = Vᵀ do(t) + Wᵀ da(t+1), &nbsp; da(t) = dh(t) ⊙ (1 − h(t)²)</p>
      <p>The <em>errors</em> depend on t; the <em>parameters</em> do not. So every gradient is a sum over
      the steps: dW = Σₜ da(t) h(t−1)ᵀ. Press Shift+← to take one BPTT step and watch the sums grow.</p>
      <p><b>Truncated BPTT</b> (set k in the controls) stops the error from crossing every k-th step,
      so a long sequence can be learned in pieces; the gradient is then only an approximation.</p>`,
  },
  {
    id: "vanishing",
    title: "4 · Vanishing and exploding gradients",
    state: { cell: "rnn", task: "copy", t: 0, mode: "backward", diagram: "rnn", compare: "lstm" },
    highlight: ["grad-norm-chart"],
    body: `
      <p>Each step back multiplies the error by Wᵀ and by tanh′ ≤ 1. Over many steps that product
      shrinks towards zero (<b>vanishing</b>) or, with large weights, grows without bound
      (<b>exploding</b>). The chart of ‖dh(t)‖ on a log axis shows it: a straight falling line is an
      exponential decay.</p>
      <p>The <i>copy</i> task asks the network to recall, at the end, a symbol it saw at the start. The
      RNN's error from the last step barely reaches step 0, so it cannot learn the link; the LSTM
      beside it keeps the error alive along its cell.</p>
      <p>Exploding gradients have a simple cure: <b>clipping</b> rescales the gradient when its norm
      passes a threshold. Try training with clipping off and a large learning rate.</p>`,
  },
  {
    id: "lstm-circuit",
    title: "5 · The LSTM forward pass as a circuit",
    state: { cell: "lstm", variant: "NP", task: "adding", t: 5, mode: "forward", diagram: "circuit" },
    highlight: ["highway", "z", "i", "f", "o"],
    body: `
      <p>The LSTM block has two streams. Along the top runs the <b>cell state</b> c, a highway from
      c(t−1) to c(t). Below, x(t) and y(t−1) feed four units: the block input <b>z</b> (tanh) and three
      gates <b>i, f, o</b> (σ, between 0 and 1).</p>
      <p class="eq">c(t) = z(t) ⊙ i(t) + c(t−1) ⊙ f(t), &nbsp; y(t) = tanh(c(t)) ⊙ o(t)</p>
      <p>On the highway, c(t−1) is first multiplied by the forget gate, then z ⊙ i joins at the +
      on-ramp. A branch of c(t) goes through tanh and the output gate to become y(t). Hover any wire
      to read its value for the selected unit.</p>`,
  },
  {
    id: "lstm-odyssey",
    title: "6 · The same cell, Space Odyssey style, and peepholes",
    state: { cell: "lstm", variant: "vanilla", task: "adding", t: 5, mode: "forward", diagram: "odyssey" },
    highlight: ["c", "peephole-i", "peephole-f", "peephole-o"],
    body: `
      <p>Greff et al. draw the very same equations differently: the cell sits in the centre and
      turns around itself through the forget gate (the dotted line is the step from t−1 to t).
      The block input comes from below, the gates sit around the cell, and y(t) leaves at the top.</p>
      <p>The blue lines are <b>peepholes</b>: the gates look at the cell itself,
      ī = W_i x + R_i y(t−1) + <b>p_i ⊙ c(t−1)</b> + b_i (and p_f, p_o ⊙ c(t) for the output gate).
      PyTorch's and Keras's LSTM leave them out: that is the variant <i>NP</i>.</p>`,
  },
  {
    id: "lstm-backprop",
    title: "7 · LSTM backprop: the highway and the gates",
    state: { cell: "lstm", variant: "vanilla", task: "copy", t: 0, mode: "backward", diagram: "circuit" },
    highlight: ["dc", "dc_from_next", "dy_from_next"],
    body: `
      <p>Backwards, the error reaches step t by two roads. Through the gates, as in the RNN:
      dy(t) gets Σ R_*ᵀ d*_bar(t+1). And along the highway:</p>
      <p class="eq">dc(t) = dy(t) ⊙ o(t) ⊙ h′(c(t)) + … + dc(t+1) ⊙ f(t+1)</p>
      <p>On the highway the error is multiplied only by the forget gate, not by a weight matrix and a
      squashing derivative. While f stays near 1 the error travels far: compare ‖dc(t)‖ with ‖dy(t)‖
      on the chart, and the RNN's ‖dh(t)‖ in chapter 4.</p>`,
  },
  {
    id: "variants",
    title: "8 · The variants: what each part is worth",
    state: { cell: "lstm", variant: "vanilla", task: "adding", t: 0, mode: "forward", diagram: "odyssey", experiment: 1 },
    highlight: ["experiment"],
    body: `
      <p>Greff et al. removed one part of the LSTM at a time and trained each variant on speech,
      handwriting and music: no input gate (NIG), no forget gate (NFG), no output gate (NOG), no input
      or output activation (NIAF, NOAF), no peepholes (NP), coupled gates (CIFG), full gate recurrence
      (FGR). Their finding: the forget gate and the output activation matter most; coupling the
      gates or dropping peepholes costs little.</p>
      <p>Run the experiment here: every variant is trained on the same task from the same seeds, and
      the box plot shows the held-out loss. Our small task is not their benchmark, so read the
      result beside theirs, not as a replication.</p>`,
  },
];
