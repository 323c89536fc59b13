"""The vendored front-end libraries are present and match what the project installs."""

import re
from pathlib import Path

import pytest
from plotly.offline import get_plotlyjs_version

VENDORED = [
    "plotly/plotly.min.js",
    "plotly/LICENSE",
    "plotly/VERSION",
    "katex/katex.min.js",
    "katex/katex.min.css",
    "katex/contrib/auto-render.min.js",
    "katex/LICENSE",
    "katex/fonts/KaTeX_Main-Regular.woff2",
    "katex/fonts/KaTeX_Math-Italic.woff2",
]


@pytest.mark.parametrize("name", VENDORED)
def test_vendored_file_exists(repo_root: Path, name: str) -> None:
    path = repo_root / "static" / "vendor" / name
    assert path.is_file() and path.stat().st_size > 0, f"{name} missing: run make vendor"


def test_vendored_plotly_matches_installed_plotly(repo_root: Path) -> None:
    head = (repo_root / "static/vendor/plotly/plotly.min.js").read_text()[:200]
    match = re.search(r"plotly\.js v(\S+)", head)
    assert match, "no version banner in plotly.min.js"
    assert match.group(1) == get_plotlyjs_version(), "re-vendor with make vendor"


def test_katex_css_fonts_are_all_vendored(repo_root: Path) -> None:
    katex = repo_root / "static/vendor/katex"
    woff2 = set(re.findall(r"fonts/([\w-]+\.woff2)", (katex / "katex.min.css").read_text()))
    assert woff2, "katex.min.css names no woff2 font"
    missing = sorted(name for name in woff2 if not (katex / "fonts" / name).is_file())
    assert missing == []
