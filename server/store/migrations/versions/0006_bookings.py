"""Bookings: the appointments HQ holds for each branch, one row per (branch, reference)
(server/store/bookings.py).

HQ writes them (``dawr admin import-appointments --hq``); HQ's staff publication of each branch
(``dawr_staff_<id>``) carries that branch's rows (``branch_id = '<id>'``) to the branch, whose server turns
new or changed rows into the journal's appointment imports. ``branch_id`` is in the primary key, so the row
filter also applies to updates with the default replica identity. The journal is unchanged.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bookings",
        sa.Column("branch_id", sa.String(40), primary_key=True),
        sa.Column("reference", sa.String(40), primary_key=True),
        sa.Column("national_id", sa.String(40), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("phone", sa.String(40), nullable=False),
        sa.Column("service", sa.String(40), nullable=False),
        sa.Column("slot", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("bookings_changed", "bookings", ["branch_id", "updated_at"])


def downgrade() -> None:
    op.drop_index("bookings_changed", "bookings")
    op.drop_table("bookings")
