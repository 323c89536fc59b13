"""HTML pages rendered from templates/."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app import __version__
from app.deps import TemplatesDep

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
