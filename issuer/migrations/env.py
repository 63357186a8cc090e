"""Alembic environment: runs on the connection :func:`issuer.db.migrate` hands in."""

from __future__ import annotations

from alembic import context

from issuer.db import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable from the alembic CLI without our helper
    raise RuntimeError("run migrations through issuer.db.migrate or `issuer migrate`")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
