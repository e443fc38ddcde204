"""The HTTP API (FastAPI): an entrypoint over the same services as the CLI.

    app.py          create_app(engine): the application; no engine at import time
    deps.py         typed dependencies: the engine, the current user, a unit of work,
                    and who may do what
    schemas.py      one Pydantic model per use (BorrowerCreate, BorrowerPublic, ...)
    errors.py       domain errors to HTTP, in one place; the error envelope
    idempotency.py  Idempotency-Key on every POST that moves money
    exact_json.py   request bodies parsed with exact decimals (never a float)
    routes/         thin routes: parse, call one service function, render
"""
