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


def _refuse_constant(name: str) -> Any:
    raise json.JSONDecodeError(f"{name} is not a number JSON allows", name, 0)


def loads_exact(body: bytes) -> Any:
    return json.loads(body, parse_float=Decimal, parse_constant=_refuse_constant)


class ExactJsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = loads_exact(await self.body())
        return self._json


class ExactJsonRoute(APIRoute):
    """A route whose request body is parsed by :func:`loads_exact`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def exact_handler(request: Request) -> Response:
            return await handler(ExactJsonRequest(request.scope, request.receive))

        return exact_handler
