"""Persistence: SQLAlchemy 2 tables, Alembic migrations, the unit of work.

SQL lives here and nowhere else; the rules core never sees a session. Money is stored
as integer fen (R3, R14).
"""
