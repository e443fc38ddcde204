"""What the browser tests share besides their fixtures (conftest.py): the site under test,
signing in through the form, the phone-width check. A module of its own, not conftest:
tests import these by name, and a `conftest` imported by name is whichever folder's
conftest came first when several folders run together."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from site_data import SiteData


@dataclass
class Site:
    backend: str  # "sqlite" or "postgresql"
    base_url: str
    data: SiteData
    log: Path
    database_url: str  # for a test that acts as staff through the services (the back office is web-admin's)


def sign_in(page, site: Site, user: str, *, password: str | None = None) -> None:  # noqa: ANN001
    """Sign in through the form, as a person would."""
    page.goto("/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password or site.data.password)
    page.click("#sign-in")
    page.wait_for_load_state()


def no_horizontal_scroll(page) -> bool:  # noqa: ANN001
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
