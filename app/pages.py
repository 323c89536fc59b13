"""HTML pages rendered from templates/."""

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse
from lstm_explorer.app import __version__
from lstm_explorer.app.deps import TemplatesDep

router = APIRouter(include_in_schema=False)

# Shown until the page has its model; static/js/main.js then describes the model it opened.
INTRO = (
    "A small LSTM (H = 4) predicts the next value of a sine wave. The diagrams show one step t: "
    "colours and numbers are the live values of the selected unit."
)


@router.get("/", response_class=HTMLResponse)
def read_index(request: Request, templates: TemplatesDep) -> HTMLResponse:
    """The explorer page; everything on it is drawn by static/js/main.js."""
    return templates.TemplateResponse(
        request, "index.html", {"version": __version__, "intro": INTRO}
    )


@router.get("/docs", response_class=HTMLResponse)
def read_api_docs() -> HTMLResponse:
    """Swagger UI for the OpenAPI schema, served from static/vendor so it works offline."""
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="LSTM Explorer API",
        swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
        swagger_favicon_url="/static/favicon.svg",
    )


@router.get("/favicon.ico")
def read_favicon(request: Request) -> RedirectResponse:
    """Browsers ask for /favicon.ico on any document that names no icon (a JSON reply of the
    API opened in a tab): the page's own icon at its versioned address (kept by the browser),
    instead of a 404 in the log and the console. A temporary redirect: the address changes
    with every release."""
    return RedirectResponse(f"{request.app.state.static_base}/favicon.svg")
