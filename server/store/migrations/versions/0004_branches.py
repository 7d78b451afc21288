"""The branch registry: each branch's Arabic and English name (server/store/branches.py).

HQ names the branches whose journals it receives; a standalone hall may hold its own row. The table is
local to each database: no publication carries it, so adding it changes nothing in replication (the
usual order still holds: HQ first, then the branches — docs/network.md).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "branches",
        sa.Column("branch_id", sa.String(40), primary_key=True),
        sa.Column("name_ar", sa.String(120), nullable=False),
        sa.Column("name_en", sa.String(120), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("branches")
