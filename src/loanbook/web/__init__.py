"""The web pages: sign-in, the borrower's app (/app) and the back office (/admin).

Server-rendered (Jinja2) over the same service functions as the API; nothing is loaded
from another host (static files are vendored in ``web/static``). ``install_web`` (web/app.py)
mounts them on the application made by ``api.app.create_app``.

    session.py   sign-in sessions: the cookie, the signed-in user, role checks
    csrf.py      the CSRF token of every POST form
    i18n.py      Chinese by default, English by choice
    render.py    templates and the headers every page carries
    errors.py    error pages, with the same messages as the API's errors
    once.py      a money form runs once (the API's idempotency machinery)
    sign_in.py   /, /login, /logout, /lang
    borrower.py  the borrower's app, /app
"""
