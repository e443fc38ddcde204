"""The outermost guard of every request (issue 6 items 4 and 5), a plain ASGI middleware:

- the body is read here, bounded: above :data:`BODY_BYTES_MAX` the answer is 413 before
  the rest arrives (a ``Content-Length`` above it is refused unread), and a body that
  does not arrive within :data:`BODY_SECONDS` is 408; so a 200 MB body from any token
  holder costs 64 KiB and never reaches the JSON parser;
- a request that has no answer after :data:`REQUEST_SECONDS` gets 503 ``timeout`` with
  ``Retry-After`` (but for :data:`LONG_RUNNING_PATHS`); its work may still finish (a sync route runs in a thread, which cannot
  be stopped): a POST that moves money is answered, when sent again with the same
  Idempotency-Key, by its stored result;
- anything raised and not answered inside (a defect: 500, or a database that cannot
  serve: 503, see errors.reply_for) is answered here and logged once, and the exception
  goes no further: raised past this point, Starlette would log it again and uvicorn
  would close the kept-alive connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from loanbook.api.errors import ApiError, ErrorReply, reply_for

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

# Admin-only work that grows with the portfolio (a night's close, the ledger check over
# every loan) may take minutes on a large book: no deadline there. Only an admin token
# reaches them, so they are no way for others to hold the server up.
LONG_RUNNING_PATHS = frozenset({"/v1/business-date/close", "/v1/ledger/check"})
BODY_BYTES_MAX = 64 * 1024  # the largest request loanbook takes is a payoff of 50 loans: ~1 KiB
BODY_SECONDS = 10.0
REQUEST_SECONDS = 30.0
TIMEOUT_RETRY_AFTER = 5


class _Disconnected(Exception):
    """The client went away while sending its body: nobody to answer."""


class _Reply:
    """The app's ``send``, remembering whether a response started; once the guard has
    answered in its stead (a timeout), whatever the app sends later is dropped."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.started = False
        self.abandoned = False

    async def send(self, message: Message) -> None:
        if self.abandoned:
            return
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)

    async def error(self, reply: ErrorReply) -> None:
        body = reply.text().encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers.items()]
        self.started = True
        await self._send({"type": "http.response.start", "status": reply.status, "headers": headers})
        await self._send({"type": "http.response.body", "body": body, "more_body": False})


class RequestGuard:
    def __init__(self, app: App, *, body_bytes_max: int = BODY_BYTES_MAX, body_seconds: float = BODY_SECONDS,
                 request_seconds: float = REQUEST_SECONDS) -> None:
        self.app = app
        self.body_bytes_max = body_bytes_max
        self.body_seconds = body_seconds
        self.request_seconds = request_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        reply = _Reply(send)
        try:
            body = await self._read_body(scope, receive)
        except ApiError as refused:
            await reply.error(reply_for(refused))
            return
        except _Disconnected:
            return
        if scope.get("path") in LONG_RUNNING_PATHS:
            await self._run(scope, _replaying(body, receive), reply)
            return
        work = asyncio.ensure_future(self._run(scope, _replaying(body, receive), reply))
        done, _ = await asyncio.wait({work}, timeout=self.request_seconds)
        if work in done or reply.started:
            await work
            return
        reply.abandoned = True
        work.add_done_callback(_forget)
        await reply.error(ErrorReply(
            503, "timeout", f"the request found no answer within {self.request_seconds:g} s; if it moves money, "
                            "send it again with the same Idempotency-Key to get its result",
            {"Retry-After": str(TIMEOUT_RETRY_AFTER)}))

    async def _run(self, scope: Scope, receive: Receive, reply: _Reply) -> None:
        try:
            await self.app(scope, receive, reply.send)
        except Exception as exc:  # noqa: BLE001 - the last resort: answered and logged once (reply_for)
            error = reply_for(exc)
            if not reply.started and not reply.abandoned:
                await reply.error(error)

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes:
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.body_bytes_max:
            raise self._too_large()
        chunks: list[bytes] = []
        size = 0
        deadline = asyncio.get_running_loop().time() + self.body_seconds
        while True:
            left = deadline - asyncio.get_running_loop().time()
            try:
                message = await asyncio.wait_for(receive(), timeout=max(left, 0.0))
            except TimeoutError:
                raise ApiError(408, "body_timeout", f"the request's body did not arrive within "
                                                    f"{self.body_seconds:g} s") from None
            if message["type"] == "http.disconnect":
                raise _Disconnected
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.body_bytes_max:
                raise self._too_large()
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    def _too_large(self) -> ApiError:
        return ApiError(413, "body_too_large", f"the body is larger than the {self.body_bytes_max // 1024} KiB "
                                               "this API takes; no request of loanbook needs more")


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the app the body already read, then listens on."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _forget(task: asyncio.Future[None]) -> None:
    """Collect the outcome of work abandoned at its deadline (already logged by _run)."""
    if not task.cancelled():
        task.exception()
