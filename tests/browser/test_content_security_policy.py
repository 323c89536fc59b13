"""The page works under its Content-Security-Policy: no violation while it loads, draws the
charts and equations, plays over the WebSocket and steps."""

import pytest
from playwright.sync_api import Page, WebSocket

from tests.browser.explorer import show_chart, shown_t, wait_for_frame, wait_for_t
from tests.browser.page_log import PageLog

pytestmark = pytest.mark.browser

# Runs before any script of the page: records every violation the browser reports.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`);
});
"""


def test_load_page_under_csp_reports_no_violations(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    sockets: list[WebSocket] = []
    page.on("websocket", lambda ws: sockets.append(ws))
    page.add_init_script(RECORD_VIOLATIONS)

    response = page.goto(f"{live_server}/")
    assert response is not None and response.ok
    wait_for_frame(page)
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "http" not in policy.replace(f"ws://{live_server[7:]}", "").replace(
        f"wss://{live_server[7:]}", ""
    ), "the page's policy names no remote host"

    # The vendored libraries ran and drew: KaTeX equations and Plotly charts.
    page.wait_for_selector(".katex", timeout=15_000)
    show_chart(page, "#chart-heat")  # Plotly loads when a chart comes on screen
    page.evaluate("() => window.scrollTo(0, 0)")
    # Step and play: frames arrive over the REST calls and the WebSocket stream.
    page.locator("body").click(position={"x": 5, "y": 5})
    start = shown_t(page)
    for step in (1, 2):
        page.keyboard.press("ArrowRight")
        wait_for_t(page, start + step)
    page.keyboard.press(" ")
    page.wait_for_function(  # a few steps played: they came over the stream
        f"""() => Number(/t = (\\d+) \\//.exec(
          document.querySelector("#status [data-status=t]").textContent)?.[1]) >= {start + 5}""",
        timeout=15_000,
    )
    page.keyboard.press(" ")

    violations = page.evaluate("window.__cspViolations")
    csp_console = [e for e in page_log.console_errors if "Content Security Policy" in e]
    assert violations == [] and csp_console == [], violations + csp_console
    assert page_log.console_errors == []
    assert sockets, "the page opened no WebSocket (connect-src blocked it?)"
    assert all(ws.url.startswith(f"ws://{live_server[7:]}/") for ws in sockets)


def test_inline_script_is_blocked_by_csp(page: Page, page_log: PageLog, live_server: str) -> None:
    """The policy is really enforced: a script injected into the page does not run."""
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(f"{live_server}/")
    page.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.__injected = true;";
                   document.body.appendChild(s); }"""
    )
    # An inline script runs as it is inserted, or never: once the policy reports it, it is final.
    page.wait_for_function("() => window.__cspViolations.some((v) => v.includes('script-src'))")
    assert page.evaluate("window.__injected === undefined")
    violations = page.evaluate("window.__cspViolations")
    assert any("script-src" in v for v in violations), violations
    page_log.console_errors.clear()  # the blocked script is reported there too: expected


def test_api_docs_render_offline_under_their_policy(
    page: Page, page_log: PageLog, live_server: str
) -> None:
    """/docs draws every operation from the vendored Swagger UI, asking no other host."""
    page.add_init_script(RECORD_VIOLATIONS)
    response = page.goto(f"{live_server}/docs")
    assert response is not None and response.ok
    page.wait_for_selector(".opblock", timeout=15_000)  # drawn from /openapi.json
    assert page.locator(".opblock").count() >= 20  # every route of /api/v1 is listed
    assert page.get_by_text("/api/v1/trace").first.is_visible()
    assert page.evaluate("window.__cspViolations") == []
    assert page_log.console_errors == []
