"""Pages on other devices than the default 1280x800 desktop: phones and tablets (touch, mobile
viewport), themes, and the page that axe-core audits. Requests to any host but the test server
are blocked and recorded, as the `page` fixture does."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page

from tests.browser.page_log import PageLog
from tests.browser.page_pool import pooled_page

# Phones and tablets of the issue, portrait and landscape; the two desktops for comparison.
TOUCH_SIZES = {
    "360x640": (360, 640),
    "390x844": (390, 844),
    "768x1024": (768, 1024),
    "1024x768": (1024, 768),
}
DESKTOP_SIZES = {"1280x800": (1280, 800), "1920x1080": (1920, 1080)}
DRAWER_BELOW = 900  # px: narrower than this the controls are a drawer

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"


@contextmanager
def device_page(
    browser: Browser, live_server: str, log: PageLog, size: tuple[int, int], **options: Any
) -> Iterator[Page]:
    """A page of `size` (see pooled_page); a touch device (mobile viewport, touch events,
    coarse pointer) when `touch` is true (default: below 1100 px). Other options go to
    new_context (the page's context is shared with the other pages of these options)."""
    width, height = size
    touch = options.pop("touch", width < 1100)
    with pooled_page(
        browser,
        live_server,
        log,
        viewport={"width": width, "height": height},
        has_touch=touch,
        is_mobile=touch,
        **options,
    ) as page:
        yield page


def viewport_shot(page: Page, directory: Path, name: str) -> Path:
    """Save what the window shows now (a full-page capture would drop the touch emulation)."""
    directory.mkdir(exist_ok=True)
    path = directory / f"{name}.png"
    partial = path.with_name(f".{name}.{os.getpid()}.png")
    partial.write_bytes(page.screenshot())
    partial.replace(path)
    return path
