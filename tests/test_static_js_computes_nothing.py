"""The page only formats and draws: no file in static/js computes the model.

docs/NOTATION.md ("Frame terms"): every activation, product and derivative the page shows is in
a frame. A second copy of the maths in JavaScript could drift from the engine while every test
stayed green, so this test reads the code (comments and string literals removed: TeX such as
"\\tanh(\\bar z)" and labels such as "tanh" are text, not computation) and fails on the forms
that recompute the model: activation functions, derivative formulas and helpers, and
arithmetic between elements of frame arrays.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

STATIC_JS = Path(__file__).resolve().parents[1] / "static" / "js"

IDENT = r"[A-Za-z_$][\w$]*"
OPERAND = rf"{IDENT}(?:\.{IDENT})*(?:\[[^\[\]]+\])?"
# Helper names that only exist to recompute the model (a product, a dot, a slope).
HELPER = (
    r"(?:mul|dot|colDot|map2|matvec|mv|mtv|outer|hadamard|sigmoid|logistic|sig\d*"
    r"|\w*(?:[Pp]rime|[Dd]eriv|[Tt]anh)\w*)"
)

RULES: dict[str, re.Pattern[str]] = {
    "an activation function": re.compile(r"\bMath\.(?:tanh|exp|expm1|sinh|cosh|log1p)\b"),
    "a call of an activation": re.compile(
        r"\b(?:sigmoid|sigm|logistic|softmax|tanh|dtanh|dsigmoid)\s*\("
    ),
    "a helper that recomputes the model": re.compile(
        rf"\bfunction\s+{HELPER}\s*\(|\b(?:const|let|var)\s+{HELPER}\s*=\s*(?:\([^()]*\)|{IDENT})\s*=>"
    ),
    "tanh' = 1 − x²": re.compile(rf"\b1\s*-\s*{OPERAND}\s*\*\*\s*2\b|\b1\s*-\s*Math\.pow\s*\("),
    "σ' = a (1 − a)": re.compile(
        rf"\*\s*\(\s*1\s*-\s*{OPERAND}\s*\)|\(\s*1\s*-\s*{OPERAND}\s*\)\s*\*"
    ),
    # The same unit of two arrays: v.z[j] * v.i[j], d.dy[j] - d.dy_from_next[j].
    "arithmetic between elements of frame arrays": re.compile(
        rf"{IDENT}(?:\.{IDENT})*\[\s*({IDENT})\s*\]\s*[-+*/]\s*{IDENT}(?:\.{IDENT})*\[\s*\1\s*\]"
    ),
    "a dot product": re.compile(rf"\.reduce\(\s*\([^()]*\)\s*=>\s*{IDENT}\s*\+\s*{OPERAND}\s*\*"),
    "a derived notation entry": re.compile(r"\bderive\s*:"),
}


def code_only(source: str) -> str:
    """JavaScript with comments, string literals and template-literal text blanked (kept: the
    code, including ${…} expressions inside templates, and the line structure)."""
    out: list[str] = []
    i, n = 0, len(source)
    braces: list[int] = []  # open { count inside each ${…} we are in
    last = ""  # last significant character of code, to tell a regex literal from a division

    def blank(j: int, k: int) -> None:
        out.append("".join("\n" if c == "\n" else " " for c in source[j:k]))

    def template(j: int) -> int:
        """Blank a template literal's text from j (after `); return where code resumes."""
        k = j
        while k < n:
            if source[k] == "\\":
                k += 2
            elif source[k] == "`":
                blank(j, k + 1)
                return k + 1
            elif source.startswith("${", k):
                blank(j, k + 2)
                braces.append(0)
                return k + 2
            else:
                k += 1
        blank(j, n)
        return n

    while i < n:
        c = source[i]
        if source.startswith("//", i):
            k = source.find("\n", i)
            k = n if k < 0 else k
            blank(i, k)
            i = k
        elif source.startswith("/*", i):
            k = source.find("*/", i + 2)
            k = n if k < 0 else k + 2
            blank(i, k)
            i = k
        elif c in "'\"":
            k = i + 1
            while k < n and source[k] != c and source[k] != "\n":
                k += 2 if source[k] == "\\" else 1
            blank(i, k + 1)
            i, last = k + 1, "a"
        elif c == "`":
            i, last = template(i + 1), "a"
        elif c == "/" and (last == "" or last in "(,=:[!&|?{};+-*%<>~^"):
            k, in_class = i + 1, False  # a regex literal
            while k < n and (in_class or source[k] != "/") and source[k] != "\n":
                if source[k] == "\\":
                    k += 1
                elif source[k] == "[":
                    in_class = True
                elif source[k] == "]":
                    in_class = False
                k += 1
            while k + 1 < n and source[k + 1].isalpha():  # flags
                k += 1
            blank(i, k + 1)
            i, last = k + 1, "a"
        elif braces and c == "}" and braces[-1] == 0:
            braces.pop()
            out.append(" ")
            i = template(i + 1)
        else:
            if braces and c == "{":
                braces[-1] += 1
            elif braces and c == "}":
                braces[-1] -= 1
            out.append(c)
            if not c.isspace():
                last = c
            i += 1
    return "".join(out)


def violations(source: str) -> list[str]:
    """'line N: rule: code' for every recomputation found in one file's source."""
    found = []
    for number, line in enumerate(code_only(source).splitlines(), start=1):
        for rule, pattern in RULES.items():
            match = pattern.search(line)
            if match:
                found.append(f"line {number}: {rule}: {match.group(0).strip()}")
    return found


def js_files() -> list[Path]:
    return sorted(
        p for p in STATIC_JS.rglob("*.js") if "vendor" not in p.relative_to(STATIC_JS).parts
    )


def test_no_file_in_static_js_computes_the_model() -> None:
    files = js_files()
    assert len(files) > 20, "static/js not found where expected"
    report = [f"{p.relative_to(STATIC_JS)} {v}" for p in files for v in violations(p.read_text())]
    assert report == [], "the page recomputes the model:\n" + "\n".join(report)


# What the rules must catch: each line is code that once was in static/js, or its kind.
RECOMPUTATIONS = [
    "const hOf = (c) => c.map((v) => Math.tanh(v));",
    "const f = 2 / (1 + Math.exp(-5 * u));",
    "const hp = s.output_activation ? 1 - Math.tanh(v.c[j]) ** 2 : 1;",
    "gp: s.input_activation ? 1 - v.z[j] ** 2 : 1",
    "const sig1 = (a) => a * (1 - a); // σ'(x̄) from σ(x̄)",
    "so: (1 - v.o[j]) * v.o[j],",
    "const dot = (row, vec) => row.reduce((s, w, k) => s + w * vec[k], 0);",
    "function colDot(m, j, vec) { return 0; }",
    "const mul = (a, b) => map2(a, b, (p, q) => p * q);",
    "dy_readout: d.dy[j] - d.dy_from_next[j],",
    "out.dc2 = P.p_o[j] * d.do_bar[j];",
    "hPrime = (c) => c;".replace("hPrime", "const hPrime"),
    "cf: { sym: 'c⊙f', derive: (v) => v },",
    "const y = sigmoid(x);",
    "function tanhPrime(x) { return x; }",
    "return `${fmt(v.dy[j] * v.o[j])}`;",
]
# What they must let through: text, display arithmetic, frame keys read as they are.
DRAWING = [
    'row("", "z = g(\\\\bar z) = \\\\tanh(\\\\bar z)", "@z = \\\\tanh(@z_bar)"),',
    "const unit = actCircle(g, key, x, y, 'tanh', 'g', R); // draws the shape of tanh",
    "const m = Math.log10(1 + Math.abs(v) / f.lin) / Math.log10(1 + f.max / f.lin);",
    "el('rect', { x: k * w, y: 0, width: Math.max(1, w - 1) });",
    "const c = a.map((v, j) => Math.round(v + (b[j] - v) * w));",
    "return { do_bar: d.do_bar[j], so: d.sigma_prime_o[j] };",
    "const x = bb.x + bb.width + 5; const pts = S_CURVE.map((h, k) => base - (h + lift) * s);",
    "const median = n % 2 ? s[m] : (s[m - 1] + s[m]) / 2; const x = (P.v[0] + P.yhat[0]) / 2;",
    "export function sigmaNode(parent, key, x, y, r = 11) {",
    "const u = -1 + (2 * k) / (S_CURVE.length - 1);",
    "text = `${fmt(value)} (${1 - 0.5})`; const re = /1 - x ** 2/g;",
    "const name = `sigma_prime_${g}`;",
]


@pytest.mark.parametrize("line", RECOMPUTATIONS)
def test_the_rules_catch_recomputation(line: str) -> None:
    assert violations(line), f"not caught: {line}"


@pytest.mark.parametrize("line", DRAWING)
def test_the_rules_let_drawing_through(line: str) -> None:
    assert violations(line) == []


def test_strings_and_comments_are_not_code() -> None:
    source = "const a = 'Math.tanh(x)'; // 1 - h ** 2\n/* sigmoid(x) */ const b = `σ(${k})`;\n"
    assert "tanh" not in code_only(source)
    assert "sigmoid" not in code_only(source)
    assert "${k}" not in code_only(source) and "k" in code_only(source).split("=")[-1]
    assert code_only(source).count("\n") == source.count("\n")
