"""Staff per branch: the branches each account may work at, and a session epoch that replicates.

``staff_accounts.branches`` is '*' (every branch: what every account could do before) or the granted
branch ids between commas (',seef,jidali,'), so that HQ's per-branch staff publication can filter on it.
``session_epoch`` grows when a password changes or an account is disabled; a session remembers the epoch
it began in, so such a change made at HQ ends the branch's sessions too once it is replicated.
On PostgreSQL ``staff_accounts`` gets REPLICA IDENTITY FULL: a row filter on a non-key column must see
the old row of an update (a grant withdrawn at HQ then deletes the account at that branch).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_accounts") as batch:
        batch.add_column(sa.Column("branches", sa.String(800), nullable=False, server_default="*"))
        batch.add_column(sa.Column("session_epoch", sa.Integer, nullable=False, server_default="0"))
    with op.batch_alter_table("staff_sessions") as batch:
        batch.add_column(sa.Column("account_epoch", sa.Integer, nullable=False, server_default="0"))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE staff_accounts REPLICA IDENTITY FULL")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE staff_accounts REPLICA IDENTITY DEFAULT")
    with op.batch_alter_table("staff_sessions") as batch:
        batch.drop_column("account_epoch")
    with op.batch_alter_table("staff_accounts") as batch:
        batch.drop_column("session_epoch")
        batch.drop_column("branches")
