"""The bank's HTTP endpoint (FastAPI, like the platform's API), with its misbehaviours.

POST /v1/messages {"messages": [...]} applies each message in order, once per message id,
and answers {"acks": [ids]}; GET /v1/files/{date} is the daily file (CSV).
Misbehaviour (for the fault tests): ``fail_rate`` answers 500 at random (before or
half-way through a batch), ``delay_seconds`` sleeps after applying (the sender times out
with the messages applied), ``down_until`` answers 503 until that moment, and
``duplicate_acks`` repeats acknowledgements already sent, shuffled (duplicate and
out-of-order acks).
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from datetime import date, datetime, timezone

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy import Engine

from loanbook.partners.bank_simulator.books import BadMessage, apply_message, create_books, daily_file, render_file


@dataclass(slots=True)
class Misbehaviour:
    fail_rate: float = 0.0
    delay_seconds: float = 0.0
    down_until: datetime | None = None  # UTC, naive
    duplicate_acks: bool = False
    seed: int | None = None


def create_bank_app(engine: Engine, misbehaviour: Misbehaviour | None = None) -> FastAPI:
    create_books(engine)
    faults = misbehaviour or Misbehaviour()
    chance = random.Random(faults.seed)
    acked: list[str] = []
    app = FastAPI(title="partner bank simulator")

    def down() -> bool:
        return faults.down_until is not None and datetime.now(timezone.utc).replace(tzinfo=None) < faults.down_until

    @app.get("/v1/health")
    def health() -> dict[str, str]:
        if down():
            raise HTTPException(503, "bank is down")
        return {"status": "up"}

    @app.post("/v1/messages")
    async def receive(request: Request) -> JSONResponse:
        if down():
            return JSONResponse({"detail": "bank is down"}, status_code=503)
        try:
            body = await request.json()
            messages = body["messages"]
            if not isinstance(messages, list):
                raise TypeError
        except Exception:  # noqa: BLE001 - any malformed body is the sender's error
            return JSONResponse({"detail": "body must be {\"messages\": [...]}"}, status_code=400)
        fail_at = len(messages) // 2 if faults.fail_rate and chance.random() < faults.fail_rate else None
        acks = []
        for index, message in enumerate(messages):
            if fail_at is not None and index == fail_at:  # half the batch applied, then a crash
                return JSONResponse({"detail": "internal error"}, status_code=500)
            try:
                applied = await asyncio.to_thread(apply_message, engine, message)
            except BadMessage as exc:
                return JSONResponse({"detail": str(exc), "acks": acks}, status_code=400)
            acks.append(applied.message_id)
        if faults.delay_seconds:
            await asyncio.sleep(faults.delay_seconds)
        sent = list(acks)
        if faults.duplicate_acks and acked:
            sent += chance.sample(acked, min(len(acked), 3))
            chance.shuffle(sent)
        acked.extend(acks)
        del acked[:-1000]
        return JSONResponse({"acks": sent})

    @app.get("/v1/files/{file_date}")
    def file(file_date: str) -> PlainTextResponse:
        try:
            day = date.fromisoformat(file_date)
        except ValueError:
            raise HTTPException(400, f"file date {file_date!r} is not YYYY-MM-DD") from None
        return PlainTextResponse(render_file(daily_file(engine, day)))

    return app
