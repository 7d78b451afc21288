"""Persistence: the journal (SQLAlchemy + Alembic), records, the hall (engine + journal), staff, the branch lock."""
