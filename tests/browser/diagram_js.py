"""What tests/browser/test_diagrams.py reads from the page: small functions run in the browser."""

# Every visible value label: its probe's key in the current mode, symbol and number text.
LABELS_JS = """(diagram) => {
  const root = document.querySelector(`#${diagram} figure.dg`);
  const backward = root.classList.contains("mode-backward");
  return [...root.querySelectorAll(".vlabel")].filter((t) => t.getClientRects().length
    && getComputedStyle(t).display !== "none").map((t) => {
    const g = t.parentNode;
    return { key: g.dataset.key, q: backward ? g.dataset.dq : g.dataset.q,
      sym: t.querySelector(".sym").textContent, num: t.querySelector(".num").textContent };
  });
}"""

# Every number slot of the equations: its name, whether it shows negatives in parentheses, text.
SLOTS_JS = """() => [...document.querySelectorAll("#equations .eq-row")].flatMap((row) =>
  [...row.querySelectorAll("[data-slot]")].map((s) => ({ lhs: row.dataset.lhs, name: s.dataset.slot,
    paren: s.dataset.paren === "1", text: s.querySelector(".eq-value").textContent })))"""

# Finds visible texts/strips that overlap each other or stick out of their SVG.
OVERLAP_JS = """() => {
  const out = [];
  for (const fig of document.querySelectorAll("figure.dg")) {
    if (!fig.offsetParent) continue;
    const svg = fig.querySelector("svg");
    const sb = svg.getBoundingClientRect();
    const name = (e) => (e.closest("[data-key]")?.dataset.key || "?") + ":" + e.textContent.slice(0, 20);
    const items = [...svg.querySelectorAll("text, .strip")]
      .filter((e) => !e.closest(".legend") && e.getClientRects().length && e.textContent !== null
        && (e.tagName !== "text" || e.textContent.trim()) && getComputedStyle(e).display !== "none"
        && (e.tagName === "text" || e.childElementCount))
      .map((e) => ({ r: e.getBoundingClientRect(), n: name(e) }));
    items.forEach(({ r: A, n }, a) => {
      if (A.left < sb.left - 1 || A.right > sb.right + 1 || A.top < sb.top - 1 || A.bottom > sb.bottom + 1)
        out.push(`${fig.className}: clipped ${n}`);
      for (const { r: B, n: m } of items.slice(a + 1)) {
        const ox = Math.min(A.right, B.right) - Math.max(A.left, B.left);
        const oy = Math.min(A.bottom, B.bottom) - Math.max(A.top, B.top);
        if (ox > 1.5 && oy > 3) out.push(`${fig.className}: ${n} overlaps ${m}`);
      }
    });
  }
  return out;
}"""

# The smallest rendered text (and tspan: subscripts) in the diagrams, in CSS px.
SMALLEST_TEXT_JS = """() => Math.min(...[...document.querySelectorAll("figure.dg svg text, figure.dg svg tspan")]
  .filter((t) => t.getClientRects().length && t.textContent.trim())
  .map((t) => parseFloat(getComputedStyle(t).fontSize) * t.ownerSVGElement.getScreenCTM().a))"""

# Screen point at 30 % along a path: an L-shaped wire's bounding-box centre is not on the wire.
POINT_ON_PATH_JS = """(sel) => {
  const p = document.querySelector(sel);
  const pt = p.getPointAtLength(p.getTotalLength() * 0.3);
  const m = p.getScreenCTM();
  return [pt.x * m.a + pt.y * m.c + m.e, pt.x * m.b + pt.y * m.d + m.f];
}"""
