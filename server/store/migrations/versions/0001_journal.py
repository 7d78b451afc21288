"""The journal of events.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "journal_events",
        sa.Column("branch_id", sa.String(40), primary_key=True),
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("ticket_id", sa.String(40), nullable=True),
        sa.Column("payload", sa.Text, nullable=False),
    )
    op.create_index("ix_journal_events_branch_day", "journal_events", ["branch_id", "day"])
    op.create_index("ix_journal_events_branch_type", "journal_events", ["branch_id", "type"])


def downgrade() -> None:
    op.drop_table("journal_events")
