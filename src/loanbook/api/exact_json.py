"""Request bodies read with exact decimals.

FastAPI reads a JSON body with ``json.loads``, which turns ``130.10`` into a binary
float before any schema sees it. Here a JSON number with a fraction becomes a
``Decimal`` of its very digits (and ``NaN`` / ``Infinity`` are refused), so an amount
sent as a number is as exact as one sent as a string (R3). The schemas declare amounts
as ``str`` and take numbers as their digits (``coerce_numbers_to_str``);
:func:`loanbook.money.parse_amount` then parses them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool


def _refuse_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not a number JSON allows", name, 0)


def loads_exact(body: bytes) -> Any:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:  # reported as invalid JSON (422), not as a failed parse (400)
        raise json.JSONDecodeError(f"the body is not UTF-8 text (byte {exc.start})", "", 0) from None
    return json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)


# A body above this is parsed in the threadpool, off the event loop, so that no request
# stalls the others while it is parsed (issue 6 item 4; guards.py bounds every body to
# 64 KiB first). Smaller ones parse in microseconds: a thread hop would cost more.
PARSE_ON_LOOP_BYTES_MAX = 4 * 1024


class ExactJsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            if len(body) > PARSE_ON_LOOP_BYTES_MAX:
                self._json = await run_in_threadpool(loads_exact, body)
            else:
                self._json = loads_exact(body)
        return self._json


class ExactJsonRoute(APIRoute):
    """A route whose request body is parsed by :func:`loads_exact`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def exact_handler(request: Request) -> Response:
            return await handler(ExactJsonRequest(request.scope, request.receive))

        return exact_handler
