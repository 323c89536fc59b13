"""PageLog: what a page did during one browser test (filled in by the `page` fixture)."""

from dataclasses import dataclass, field


@dataclass
class PageLog:
    """Console errors and uncaught exceptions, every request URL, requests to foreign hosts."""

    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
