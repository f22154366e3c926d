"""Login attempts, for throttling (keyed hashes only).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 00:19:09.046601
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('account_key', sa.String(length=64), nullable=False),
    sa.Column('address_key', sa.String(length=64), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempt'))
    )
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_attempt_account_key'), ['account_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_attempt_address_key'), ['address_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_attempt_created_at'), ['created_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_attempt_created_at'))
        batch_op.drop_index(batch_op.f('ix_login_attempt_address_key'))
        batch_op.drop_index(batch_op.f('ix_login_attempt_account_key'))

    op.drop_table('login_attempt')
