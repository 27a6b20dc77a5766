"""audit key: each audit entry records the id of the key its HMAC was made with

Entries written before keep no key id and their plain SHA-256; the verifier checks them
by that rule, and the first keyed entry chains onto the last of them. No existing row is
rewritten (the append-only triggers refuse UPDATE on audit_entry). The column is added and
dropped with plain ALTER TABLE on both databases, never SQLite's batch copy of the table,
which would drop those triggers with the old table.

Downgrading drops the key ids: code from before this revision checks every entry by the
SHA-256 rule, so the keyed entries then fail its verify.

Revision ID: 276902505b1b
Revises: 5d1f01ff3879
Create Date: 2026-12-04 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "276902505b1b"
down_revision: str | None = "5d1f01ff3879"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("audit_entry", sa.Column("key_id", sa.String(length=8), nullable=True))


def downgrade() -> None:
    op.drop_column("audit_entry", "key_id")  # SQLite 3.35+: ALTER TABLE ... DROP COLUMN
