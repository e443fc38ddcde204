"""Templates (Jinja2, autoescaped) and the headers every page carries.

Every page gets a Content-Security-Policy that lets it load only from this server
(issue 12: no page may load anything from another host) and no inline script, and is
never cached (it shows a person's money).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from loanbook.money import format_amount, format_percent
from loanbook.web.i18n import language_of, translator

PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

environment = Environment(loader=PackageLoader("loanbook.web", "templates"), autoescape=select_autoescape(["html"]),
                          undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def _money(amount: Decimal | int | None) -> str:
    """Yuan with two decimals (R3's fen), never through float."""
    if amount is None:
        return ""
    return format_amount(Decimal(amount))


environment.filters["money"] = _money
environment.filters["percent"] = format_percent  # R10's rates: two decimals of a percent


def render(request: Request, template: str, context: dict[str, Any] | None = None, *, status_code: int = 200,
           headers: dict[str, str] | None = None) -> HTMLResponse:
    language = language_of(request)
    session = getattr(request.state, "web_session", None)
    values = {
        "request": request,
        "lang": language,
        "t": translator(language),
        "session": session,
        "csrf_token": session.csrf_token if session is not None else "",
        "path": request.url.path,
        **(context or {}),
    }
    body = environment.get_template(template).render(values)
    return HTMLResponse(body, status_code=status_code, headers={**PAGE_HEADERS, **(headers or {})})
