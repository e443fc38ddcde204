"""Delivering the outbox to a partner bank (R17): in order per loan, at least once,
retrying with backoff until acknowledged.

Each round reads the undelivered messages (ordered by loan and sequence), sends them in
one batch, and marks delivered exactly the ids the bank acknowledges, in any order and
as often as it repeats them. A failed round leaves every unacknowledged message
undelivered, so the next round starts again from a loan's first unacknowledged message:
a loan's later message is never delivered alone before its earlier one. The bank
applies each message once by its id, so sending again is always safe.

Retries use tenacity (exponential backoff with jitter, a stop after a time budget):
a small, well-kept library that does exactly this, instead of a hand-made loop.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine
from tenacity import RetryError, Retrying, retry_if_exception_type, stop_after_attempt, stop_after_delay, wait_random_exponential

from loanbook.errors import BadInput, NotFound
from loanbook.store.unit_of_work import UnitOfWork

BATCH = 200
log = logging.getLogger("loanbook.partners")


class DeliveryFailed(Exception):
    """The bank did not acknowledge a round (down, 5xx, timeout, unreachable)."""


@dataclass(slots=True)
class RelayReport:
    rounds: int = 0
    sent: int = 0
    acknowledged: int = 0
    failures: int = 0
    undelivered: int = 0
    last_error: str = ""


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def partner_url(engine: Engine, partner_code: str, url: str | None) -> str:
    with UnitOfWork(engine) as uow:
        partner = uow.partners.get(partner_code)
        if partner is None:
            raise BadInput(f"no partner {partner_code!r}: add it with `loanbook partner add`")
        found = url or partner.base_url
    if not found:
        raise BadInput(f"partner {partner_code} has no URL: give --url or set one with `loanbook partner add --url`")
    return found.rstrip("/")


def _post(url: str, messages: list[dict[str, object]], timeout_seconds: float) -> list[str]:
    body = json.dumps({"messages": messages}).encode()
    request = urllib.request.Request(f"{url}/v1/messages", data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_seconds) as response:  # noqa: S310 - a configured URL
            acks = json.loads(response.read())["acks"]
    except urllib.error.HTTPError as exc:
        raise DeliveryFailed(f"bank answered {exc.code}") from None
    except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError, OSError) as exc:
        raise DeliveryFailed(f"bank unreachable: {getattr(exc, 'reason', exc)}") from None
    except (ValueError, KeyError, TypeError):
        raise DeliveryFailed("bank answered without a list of acks") from None
    return [str(a) for a in acks]


def relay_round(engine: Engine, partner_code: str, url: str, *, timeout_seconds: float = 5.0,
                batch: int = BATCH, report: RelayReport | None = None) -> int:
    """One batch: returns how many messages are still undelivered; raises DeliveryFailed."""
    report = report if report is not None else RelayReport()
    with UnitOfWork(engine) as uow:
        rows = uow.partners.due_messages(partner_code, _now(), batch)
        messages = [(row.message_id, json.loads(row.payload)) for row in rows]
    if not messages:
        return 0
    report.rounds += 1
    report.sent += len(messages)
    try:
        acks = _post(url, [payload for _, payload in messages], timeout_seconds)
    except DeliveryFailed as exc:
        report.failures += 1
        report.last_error = str(exc)
        with UnitOfWork(engine) as uow:
            for message_id, _ in messages:
                uow.partners.mark_failed(message_id, str(exc), _now())
            uow.commit()
        raise
    sent = {message_id for message_id, _ in messages}
    with UnitOfWork(engine) as uow:
        partners = uow.partners
        for message_id in set(acks):  # duplicates and any order: marking is idempotent
            partners.mark_delivered(message_id, _now())
        uow.commit()
    report.acknowledged += len(sent & set(acks))
    with UnitOfWork(engine) as uow:
        return len(uow.partners.messages(partner_code, state="undelivered"))


def relay(engine: Engine, partner_code: str, url: str, *, budget_seconds: float = 60.0, timeout_seconds: float = 5.0,
          max_attempts: int | None = None, max_backoff_seconds: float = 10.0) -> RelayReport:
    """Deliver until the outbox is empty, retrying failed rounds with backoff until the
    time budget (or attempts) runs out; what is left stays in the outbox for next time."""
    report = RelayReport()
    stop = stop_after_delay(budget_seconds) if max_attempts is None else stop_after_delay(budget_seconds) | stop_after_attempt(max_attempts)
    retrying = Retrying(retry=retry_if_exception_type(DeliveryFailed), stop=stop,
                        wait=wait_random_exponential(multiplier=0.1, max=max_backoff_seconds), reraise=False)
    try:
        for attempt in retrying:
            with attempt:
                while relay_round(engine, partner_code, url, timeout_seconds=timeout_seconds, report=report):
                    pass
    except RetryError:
        pass
    with UnitOfWork(engine) as uow:
        report.undelivered = len(uow.partners.messages(partner_code, state="undelivered"))
    return report


def undelivered_with_age(engine: Engine, partner_code: str, state: str = "undelivered") -> list[dict[str, object]]:
    now = _now()
    with UnitOfWork(engine) as uow:
        partners = uow.partners
        if partners.get(partner_code) is None:
            raise NotFound(f"no partner {partner_code}")
        return [
            {"message_id": row.message_id, "loan_id": row.loan_id, "seq": row.seq, "kind": row.kind,
             "booked_on": row.booked_on.isoformat(), "state": row.state, "attempts": row.attempts,
             "age_seconds": int((now - row.created_at) / timedelta(seconds=1)), "last_error": row.last_error}
            for row in partners.messages(partner_code, state=state)
        ]


def start_background_relay(engine: Engine, *, interval_seconds: float = 5.0) -> threading.Thread:
    """The relay inside ``loanbook serve``: every few seconds, each partner with a URL gets
    its outbox delivered (a daemon thread; the outbox survives any stop, so nothing is lost)."""

    def loop() -> None:
        while True:
            try:
                with UnitOfWork(engine) as uow:
                    partners = [(p.code, p.base_url) for p in uow.partners.all() if p.base_url]
                for code, url in partners:
                    relay(engine, code, url.rstrip("/"), budget_seconds=interval_seconds, max_backoff_seconds=interval_seconds)
            except Exception:  # noqa: BLE001 - the relay keeps going; the next round retries
                log.exception("partner relay round failed")
            time.sleep(interval_seconds)

    thread = threading.Thread(target=loop, name="partner-relay", daemon=True)
    thread.start()
    return thread
