"""What every back-office page shares: the staff session, rendering with the nav, and a
refused action shown on its page with the service's message and the API's status."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from typing import Annotated, Any, Iterator

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from loanbook.api.errors import reply_for
from loanbook.errors import LoanbookError
from loanbook.money import format_amount, from_fen
from loanbook.privacy import phone_for
from loanbook.service.sign_in import Session
from loanbook.store.unit_of_work import UnitOfWork
from loanbook.web.render import render
from loanbook.web.session import STAFF, role_in

StaffSession = Annotated[Session, Depends(role_in(STAFF))]

NAV = (  # (path, label): the back office's menu, in admin/base.html
    ("/admin", "Portfolio"),
    ("/admin/search", "Search"),
    ("/admin/requests", "Reviews"),
    ("/admin/collections", "Collections"),
    ("/admin/partners", "Partners"),
    ("/admin/bureau", "Bureau"),
    ("/admin/business-date", "Business date"),
)


def yuan(amount_fen: int | None) -> str:
    """Integer fen as yuan with two decimals, never through float."""
    return format_amount(from_fen(int(amount_fen or 0)))


def admin_router() -> APIRouter:
    """Each page area's router: under /admin, left out of the API's OpenAPI document."""
    return APIRouter(prefix="/admin", include_in_schema=False)


@contextmanager
def reading(request: Request) -> Iterator[UnitOfWork]:
    """A unit of work for a page's reads (or one service call that commits), rolled back
    at the end. The rows read are detached first, so the template can still read them."""
    with UnitOfWork(request.app.state.engine) as uow:
        yield uow
        uow.session.expunge_all()


def page(request: Request, session: Session, template: str, here: str, context: dict[str, Any],
         *, status_code: int = 200) -> Response:
    role = session.user.role
    values = {"nav": NAV, "here": here, "role": role, "phone": lambda p: phone_for(role, p), "fen": yuan,
              "notice": request.query_params.get("done", "")[:200], **context}
    return render(request, template, values, status_code=status_code)


def refused_or(request: Request, session: Session, action: Callable[[], str],
               again: Callable[[str, int], Response]) -> Response:
    """Run ``action`` (a service call; it returns where to go next, with a notice). A
    refusal (any expected loanbook error) re-renders the page through ``again`` with the
    service's message and the status the API would give; nothing was changed."""
    try:
        target = action()
    except LoanbookError as exc:
        reply = reply_for(exc)
        return again(reply.message, reply.status)
    return RedirectResponse(target, status_code=303)
