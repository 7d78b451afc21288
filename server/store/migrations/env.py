"""Alembic environment: runs on the connection the journal hands over (``config.attributes``)."""

from alembic import context

from server.store.journal import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when someone runs the alembic CLI by hand
    raise SystemExit("Run migrations through Dawr: `dawr db upgrade --db URL`.")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
