"""Idempotency-Key: a POST that moves money runs once, however often it is sent.

The key belongs to the user who sends it. The request's fingerprint is the SHA-256 of
its method, path and canonical body (the validated body, keys sorted).

1. Claim: insert (user, key, fingerprint, "running") in a transaction of its own,
   committed at once, without waiting for the disk (see
   ``IdempotencyKeys.commit_without_waiting_for_disk``). A unique-key violation means
   the key is known: same fingerprint and done -> replay the stored response with
   ``Idempotent-Replayed: true``; still running -> 409 (``Retry-After``); another
   fingerprint -> 422. The claim records its owner, this process (host, boot, pid and
   start time: ``process_owner.py``). A claim whose owner is dead (a server killed and
   restarted, a machine rebooted), or that this very process no longer runs (a request
   whose release failed), is taken over at once. A claim of a live owner, or of one
   on another machine that cannot be asked, is taken over only when it has been
   running for :data:`CLAIM_STALE_AFTER`; the request that lost its claim, if it was
   only slow, finds so when it stores its response, and rolls back: money moves once.
2. Run the service in a unit of work whose ``commit()`` only flushes (see
   :class:`_CommitWithReply`), render the response, store it on the key, and commit:
   the money and the stored response are one transaction, so a request that dies
   leaves either both or neither, and taking over a stale claim never moves money twice.
3. A refusal is stored too (a replay is faithful), in a transaction of its own since the
   service's rolled back. A conflict (409: the books moved on, ask again) or a server
   fault releases the key instead, so that the same request may be sent again.

Close of business runs its own transactions (it is restartable by day); its stored
response is committed after the day is closed.

A key expires :func:`~loanbook.config.idempotency.idempotency_ttl` after its claim
(``LOANBOOK_IDEMPOTENCY_TTL_HOURS``, default 24): an expired key is a new key, and close
of business deletes expired keys. Stored responses keep no personal data: a route whose
response carries a borrower's name and phone (creating a borrower) stores them as
``null`` and a replay fills them in from the borrower's record, which the caller, who
made it, may read again (see docs/decisions.md).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from loanbook.api.deps import CurrentUser, EngineDep
from loanbook.api.errors import JSON, ApiError, reply_for
from loanbook.api.process_owner import OwnerState, owner_state, this_process
from loanbook.config.idempotency import idempotency_ttl
from loanbook.errors import LoanbookError
from loanbook.service.users import User
from loanbook.store.tables import IdempotencyRow
from loanbook.store.unit_of_work import UnitOfWork

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_LENGTH_MAX = 200  # idempotency_keys.key
CLAIM_STALE_AFTER = timedelta(minutes=5)
CLAIM_ATTEMPTS = 3  # a key released while we looked at it is claimed again, this often at most
RETRY_AFTER_SECONDS = 1

Action = Callable[[UnitOfWork], BaseModel]
PersonalFields = Callable[[UnitOfWork, dict], dict]  # (uow, stored response) -> the personal fields as they are now


class _InFlight:
    """How many requests of this process are running each key now. A claim this process
    owns that none of its other requests runs belonged to a request that could not
    release it (e.g. the database was full at that moment): it is taken over at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[int, str]] = Counter()

    def add(self, user_id: int, key: str) -> None:
        with self._lock:
            self._counts[(user_id, key)] += 1

    def discard(self, user_id: int, key: str) -> None:
        with self._lock:
            self._counts[(user_id, key)] -= 1
            if self._counts[(user_id, key)] <= 0:
                del self._counts[(user_id, key)]

    def running(self, user_id: int, key: str) -> int:
        with self._lock:
            return self._counts[(user_id, key)]


IN_FLIGHT = _InFlight()


def without_personal_data(text: str, fields: Iterable[str]) -> str:
    """The response to store: the personal fields set to null (keys kept, in order)."""
    body = json.loads(text)
    if not isinstance(body, dict):
        return text
    return json.dumps({k: (None if k in fields else v) for k, v in body.items()}, ensure_ascii=False,
                      separators=(",", ":"))


def fingerprint(method: str, path: str, body: BaseModel | None) -> str:
    canonical = "" if body is None else json.dumps(body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"),
                                                   ensure_ascii=False)
    return hashlib.sha256(f"{method.upper()}\n{path}\n{canonical}".encode()).hexdigest()


def utc_now() -> datetime:
    """The edge reads the clock (UTC, naive as the column stores it); services never do."""
    return datetime.now(UTC).replace(tzinfo=None)



class _CommitWithReply(UnitOfWork):
    """The service's one ``commit()`` becomes a flush; :meth:`commit_with_reply` commits
    the service's writes together with the stored response."""

    def commit(self) -> None:
        self.session.flush()

    def commit_with_reply(self) -> None:
        self.session.commit()


def _json_response(text: str, status: int, *, replayed: bool = False) -> Response:
    headers = {REPLAYED_HEADER: "true"} if replayed else None
    return Response(text, status_code=status, media_type=JSON, headers=headers)


class Idempotency:
    """What a route needs to run its one service call under the request's key."""

    def __init__(self, engine: Engine, user: User, method: str, path: str, key: str | None, *, required: bool) -> None:
        self.engine, self.user, self.method, self.path = engine, user, method, path
        self.key = key.strip() if key is not None else None
        self.required = required
        self.claimed_at: datetime | None = None  # our claim's mark: a take-over changes it
        self.personal: tuple[str, ...] = ()
        self.refill: PersonalFields | None = None

    def _check_key(self) -> None:
        """Checked when the route runs, after it has checked who may call it (403 first)."""
        if self.key is None:
            if self.required:
                raise ApiError(400, "idempotency_key_missing",
                               f"this request moves money: send an {HEADER} header, e.g. a UUID made once per "
                               "operation, and send the same key again to retry it safely")
        elif not self.key or len(self.key) > KEY_LENGTH_MAX or not self.key.isprintable():
            raise ApiError(400, "idempotency_key_invalid",
                           f"the {HEADER} header must be 1 to {KEY_LENGTH_MAX} printable characters, "
                           "e.g. a UUID made once per operation")

    def run(self, body: BaseModel | None, action: Action, *, status: int = 201, personal: tuple[str, ...] = (),
            refill: PersonalFields | None = None) -> Response:
        """Run ``action`` (one service call, rendered) at most once for this key.

        ``personal``: the response's fields that are personal data, stored as null;
        ``refill`` gives them back, as they are now, when the response is replayed."""
        self._check_key()
        if self.key is None:
            with UnitOfWork(self.engine) as uow:
                return _json_response(action(uow).model_dump_json(), status)
        self.personal, self.refill = personal, refill
        fp = fingerprint(self.method, self.path, body)
        IN_FLIGHT.add(self.user.user_id, self.key)
        try:
            replay = self._claim(fp)
            if replay is not None:
                return replay
            return self._run_claimed(action, status)
        finally:
            IN_FLIGHT.discard(self.user.user_id, self.key)

    def _run_claimed(self, action: Action, status: int) -> Response:
        try:
            with _CommitWithReply(self.engine) as uow:
                text = action(uow).model_dump_json()
                stored = without_personal_data(text, self.personal) if self.personal else text
                if not uow.idempotency.finish(self.user.user_id, self.key, status, stored, claimed_at=self.claimed_at):
                    return self._lost_claim()  # rolled back: the request that took the key over runs it
                uow.commit_with_reply()
            return _json_response(text, status)
        except LoanbookError as exc:
            error = reply_for(exc)
            if error.final:
                self._store(error.status, error.text())
            else:
                self._release()
            return error.response()
        except BaseException:
            self._release()
            raise

    def _replay(self, uow: UnitOfWork, row: IdempotencyRow) -> Response:
        text, status = row.response_body or "", row.status_code or 200
        if self.refill is not None and self.personal and 200 <= status < 300:
            stored = json.loads(text)
            current = self.refill(uow, stored)
            text = json.dumps({k: current.get(k, v) if k in self.personal else v for k, v in stored.items()},
                              ensure_ascii=False, separators=(",", ":"))
        return _json_response(text, status, replayed=True)

    def _may_take_over(self, row: IdempotencyRow, now: datetime) -> bool:
        """A running claim is taken over at once when its owner is dead, or is this process
        and no longer runs it; else once it is stale (see the module's docstring)."""
        if row.owner is not None and row.owner == this_process():
            if IN_FLIGHT.running(self.user.user_id, self.key) <= 1:  # only this request
                return True
        elif owner_state(row.owner) is OwnerState.DEAD:
            return True
        return row.started_at <= now - CLAIM_STALE_AFTER

    def _claim(self, fp: str) -> Response | None:
        """None when this request holds the key; else the response to send instead."""
        now = utc_now()
        owner, expires_at = this_process(), now + idempotency_ttl()
        for _ in range(CLAIM_ATTEMPTS):
            try:
                with UnitOfWork(self.engine, autocommit=True) as uow:  # PostgreSQL: one round trip
                    uow.idempotency.claim(self.user.user_id, self.key, fp, now, owner=owner, expires_at=expires_at)
                    uow.commit()
                self.claimed_at = now
                return None
            except IntegrityError:
                pass  # the key is known: look at it
            with UnitOfWork(self.engine) as uow:
                row = uow.idempotency.get(self.user.user_id, self.key)
                if row is None:
                    continue  # released meanwhile: claim it again
                if row.expires_at <= now:
                    uow.idempotency.forget_expired(self.user.user_id, self.key, now=now)
                    uow.commit()
                    continue  # an expired key is a new key
                if row.fingerprint != fp:
                    raise ApiError(422, "idempotency_key_reused",
                                   f"{HEADER} {self.key!r} was used for another request (another path or body); "
                                   "use a new key for a new operation")
                if row.state == "done":
                    return self._replay(uow, row)
                if self._may_take_over(row, now) and uow.idempotency.take_over(
                    self.user.user_id, self.key, started_at=row.started_at, now=now, owner=owner
                ):
                    uow.commit()
                    self.claimed_at = now
                    return None
                break
        raise self._in_progress()

    def _in_progress(self) -> ApiError:
        return ApiError(409, "idempotency_request_in_progress",
                        f"a request with {HEADER} {self.key!r} is still being processed; "
                        "send it again in a moment to get its result",
                        headers={"Retry-After": str(RETRY_AFTER_SECONDS)})

    def _lost_claim(self) -> Response:
        """This request ran for so long that another took its key over (see
        CLAIM_STALE_AFTER): its own writes roll back, the other's count."""
        return reply_for(self._in_progress()).response()

    def _store(self, status: int, text: str) -> None:
        with UnitOfWork(self.engine) as uow:
            uow.idempotency.commit_without_waiting_for_disk()
            uow.idempotency.finish(self.user.user_id, self.key, status, text, claimed_at=self.claimed_at)
            uow.commit()

    def _release(self) -> None:
        with UnitOfWork(self.engine) as uow:
            uow.idempotency.commit_without_waiting_for_disk()
            uow.idempotency.release(self.user.user_id, self.key, claimed_at=self.claimed_at)
            uow.commit()


KeyHeader = Annotated[
    str | None,
    Header(alias=HEADER, description="A key made once per operation (e.g. a UUID); required where money moves."),
]


async def required_key(request: Request, engine: EngineDep, user: CurrentUser, key: KeyHeader = None) -> Idempotency:
    """No I/O here (hence ``async``): the key is claimed when the route runs."""
    return Idempotency(engine, user, request.method, request.url.path, key, required=True)


async def optional_key(request: Request, engine: EngineDep, user: CurrentUser, key: KeyHeader = None) -> Idempotency:
    return Idempotency(engine, user, request.method, request.url.path, key, required=False)


IdempotentDep = Annotated[Idempotency, Depends(required_key)]
OptionallyIdempotentDep = Annotated[Idempotency, Depends(optional_key)]
