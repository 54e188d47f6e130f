"""Agent presence with its history, queue logins, training records and a queue's required course.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 20:23:29.480499
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_LOGIN = "logged_out_at IS NULL"


def upgrade() -> None:
    op.create_table(
        "agent_presence",
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("aux_reason", sa.String(length=20), nullable=True),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_agent_presence_agent_id_agents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("agent_id", name=op.f("pk_agent_presence")),
    )
    op.create_table(
        "agent_queue_logins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("logged_in_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("logged_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_agent_queue_logins_agent_id_agents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["queue_id"],
            ["queues.id"],
            name=op.f("fk_agent_queue_logins_queue_id_queues"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_queue_logins")),
    )
    with op.batch_alter_table("agent_queue_logins", schema=None) as batch_op:
        batch_op.create_index(
            "ix_agent_queue_logins_queue", ["queue_id", "logged_out_at"], unique=False
        )
        # Both engines have partial indexes: one open login per agent and queue.
        batch_op.create_index(
            "uq_agent_queue_logins_open",
            ["agent_id", "queue_id"],
            unique=True,
            sqlite_where=sa.text(OPEN_LOGIN),
            postgresql_where=sa.text(OPEN_LOGIN),
        )

    op.create_table(
        "agent_state_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("aux_reason", sa.String(length=20), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("by_system", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_user_id"],
            ["users.id"],
            name=op.f("fk_agent_state_changes_actor_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_agent_state_changes_agent_id_agents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_state_changes")),
    )
    with op.batch_alter_table("agent_state_changes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_agent_state_changes_agent_started", ["agent_id", "started_at"], unique=False
        )

    op.create_table(
        "training_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("course_code", sa.String(length=40), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recorded_by_user_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_training_records_agent_id_agents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_user_id"],
            ["users.id"],
            name=op.f("fk_training_records_recorded_by_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_records")),
    )
    with op.batch_alter_table("training_records", schema=None) as batch_op:
        batch_op.create_index(
            "ix_training_records_agent_course", ["agent_id", "course_code"], unique=False
        )

    # A nullable column is added in place on both engines; no table copy on SQLite.
    op.add_column(
        "queues", sa.Column("required_training_code", sa.String(length=40), nullable=True)
    )


def downgrade() -> None:
    # SQLite (3.35+) drops a plain column in place. Batch mode would copy the queues table
    # and drop the original, and with foreign keys on that drop cascades into the queues'
    # skill requirements and closed dates.
    op.drop_column("queues", "required_training_code")

    with op.batch_alter_table("training_records", schema=None) as batch_op:
        batch_op.drop_index("ix_training_records_agent_course")
    op.drop_table("training_records")

    with op.batch_alter_table("agent_state_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_agent_state_changes_agent_started")
    op.drop_table("agent_state_changes")

    with op.batch_alter_table("agent_queue_logins", schema=None) as batch_op:
        batch_op.drop_index("uq_agent_queue_logins_open")
        batch_op.drop_index("ix_agent_queue_logins_queue")
    op.drop_table("agent_queue_logins")

    op.drop_table("agent_presence")
