"""The HTTP API (FastAPI): an entrypoint over the same services as the CLI.

    app.py          create_app(engine): the application; no engine at import time
    deps.py         typed dependencies: the engine, the current user, a unit of work,
                    and who may reach what (checked before any work)
    schemas.py      one Pydantic model per use (BorrowerCreate, BorrowerPublic, ...)
    errors.py       domain and database errors to HTTP, in one place; the error envelope
    guards.py       the outermost middleware: bounded body, deadline, the last resort
    idempotency.py  Idempotency-Key on every POST that moves money
    exact_json.py   request bodies parsed with exact decimals (never a float)
    routes/         thin routes: parse, call one service function, render
"""
