"""Device status: each kiosk's and board's last known state, one row per device (server/store/devices.py).

The branch server upserts a device's row when its state changes (connected, a silent board, its printer,
scanner, display and announcer). The branch's journal publication carries the table with the same row
filter (``branch_id = '<id>'``), so HQ sees each branch's device alerts; ``branch_id`` is in the primary
key, so the default replica identity lets the filter apply to updates. The journal is unchanged. Nothing
personal: device ids, roles, peripheral states and the device's own short status text.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "device_status",
        sa.Column("branch_id", sa.String(40), primary_key=True),
        sa.Column("device_id", sa.String(40), primary_key=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("connected", sa.Boolean, nullable=False),
        sa.Column("silent", sa.Boolean, nullable=False),
        sa.Column("printer", sa.String(20), nullable=True),
        sa.Column("scanner", sa.String(20), nullable=True),
        sa.Column("display", sa.String(20), nullable=True),
        sa.Column("announcer", sa.String(20), nullable=True),
        sa.Column("detail", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("device_status")
