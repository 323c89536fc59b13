#!/usr/bin/env bash
# Refresh static/vendor/ from the package registries, reproducibly:
#   plotly.min.js from the installed plotly wheel (the version pinned in pyproject.toml),
#   KaTeX from the npm registry at KATEX_VERSION.
# Usage: scripts/vendor_assets.sh [python]   (default: .venv/bin/python)
set -euo pipefail

KATEX_VERSION=0.19.1
SWAGGER_UI_VERSION=5.35.0  # /docs is served from here too, so it works offline
cd "$(dirname "$0")/.."
PY=${1:-.venv/bin/python}
VENDOR=static/vendor

# --- plotly.js, from the plotly wheel ---------------------------------------------------
plotly_py_version=$("$PY" -c 'import plotly; print(plotly.__version__)')
plotly_js_version=$("$PY" -c 'from plotly.offline import get_plotlyjs_version as v; print(v())')
plotly_js=$("$PY" -c 'import pathlib, plotly; print(pathlib.Path(plotly.__file__).parent / "package_data" / "plotly.min.js")')
mkdir -p "$VENDOR/plotly"
plotly_licence=$("$PY" -c 'from importlib.metadata import distribution as d; print(next(f.locate() for f in d("plotly").files if f.name.upper().startswith("LICENSE")))')
cp "$plotly_js" "$VENDOR/plotly/plotly.min.js"
cp "$plotly_licence" "$VENDOR/plotly/LICENSE"
cat > "$VENDOR/plotly/VERSION" <<TXT
plotly.js $plotly_js_version, copied from the plotly $plotly_py_version wheel (plotly/package_data/plotly.min.js).
Licence: MIT, (c) Plotly, Inc., see LICENSE. Refresh with: make vendor
TXT

# --- KaTeX, from the npm registry ------------------------------------------------------
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "katex@$KATEX_VERSION" >/dev/null && tar -xzf "katex-$KATEX_VERSION.tgz")
src="$tmp/package"
dst="$VENDOR/katex"
rm -rf "$dst"
mkdir -p "$dst/fonts" "$dst/contrib"
cp "$src/dist/katex.min.js" "$src/dist/katex.min.css" "$dst/"
cp "$src/dist/contrib/auto-render.min.js" "$dst/contrib/"
cp "$src"/dist/fonts/*.woff2 "$dst/fonts/"  # every current browser reads woff2
cp "$src/LICENSE" "$dst/LICENSE"
cat > "$dst/VERSION" <<TXT
KaTeX $KATEX_VERSION, from the npm package katex@$KATEX_VERSION (dist/: katex.min.js,
katex.min.css, contrib/auto-render.min.js, fonts/*.woff2). Licence: MIT, see LICENSE.
Refresh with: make vendor
TXT

# --- Swagger UI (the /docs page), from the npm registry ---------------------------------
(cd "$tmp" && npm pack --silent "swagger-ui-dist@$SWAGGER_UI_VERSION" >/dev/null \
  && tar -xzf "swagger-ui-dist-$SWAGGER_UI_VERSION.tgz" && mv package swagger)
dst="$VENDOR/swagger-ui"
rm -rf "$dst"
mkdir -p "$dst"
cp "$tmp/swagger/swagger-ui-bundle.js" "$tmp/swagger/swagger-ui.css" "$dst/"
cp "$tmp/swagger/LICENSE" "$tmp/swagger/NOTICE" "$dst/"
cat > "$dst/VERSION" <<TXT
Swagger UI $SWAGGER_UI_VERSION, from the npm package swagger-ui-dist@$SWAGGER_UI_VERSION (swagger-ui-bundle.js, swagger-ui.css).
Licence: Apache-2.0, see LICENSE and NOTICE. Refresh with: make vendor
TXT

echo "vendored plotly.js $plotly_js_version (plotly $plotly_py_version), KaTeX $KATEX_VERSION and Swagger UI $SWAGGER_UI_VERSION"
