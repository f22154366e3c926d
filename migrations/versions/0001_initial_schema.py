"""Initial schema: organisations, users and roles, applications, audit trail, pots.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-21 23:29:46.009619
"""

from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_counter',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_case_counter'))
    )
    op.create_table('municipality',
    sa.Column('code', sa.String(length=4), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_municipality')),
    sa.UniqueConstraint('name', name=op.f('uq_municipality_name'))
    )
    op.create_table('pot',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('reserved', sa.BigInteger(), nullable=False),
    sa.Column('is_open', sa.Boolean(), nullable=False),
    sa.CheckConstraint('reserved >= 0', name=op.f('ck_pot_reserved_not_negative')),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_pot_year_range')),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_pot'))
    )
    op.create_table('organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('org_number', sa.String(length=11), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('municipality_code', sa.String(length=4), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('municipality', 'region_unit', 'association', 'company')", name=op.f('ck_organisation_kind')),
    sa.ForeignKeyConstraint(['municipality_code'], ['municipality.code'], name=op.f('fk_organisation_municipality_code_municipality')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation')),
    sa.UniqueConstraint('org_number', name=op.f('uq_organisation_org_number'))
    )
    op.create_table('app_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_app_user_email_lowercase')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_app_user_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_user')),
    sa.UniqueConstraint('email', name=op.f('uq_app_user_email'))
    )
    op.create_table('application',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("(state = 'draft' AND reference IS NULL AND submitted_at IS NULL) OR (state <> 'draft' AND reference IS NOT NULL AND submitted_at IS NOT NULL)", name=op.f('ck_application_reference_iff_submitted')),
    sa.CheckConstraint("state IN ('draft', 'submitted', 'returned', 'assessed', 'granted', 'rejected', 'withdrawn', 'followed_up', 'scaled', 'closed')", name=op.f('ck_application_state')),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], name=op.f('fk_application_created_by_id_app_user')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_application_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application')),
    sa.UniqueConstraint('reference', name=op.f('uq_application_reference'))
    )
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_application_state'), ['state'], unique=False)

    op.create_table('user_role',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.CheckConstraint("role IN ('applicant', 'reviewer', 'officer', 'decider', 'finance', 'admin')", name=op.f('ck_user_role_role')),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_user_role_user_id_app_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'role', name=op.f('pk_user_role'))
    )
    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('trigger', sa.String(length=40), nullable=False),
    sa.Column('from_state', sa.String(length=20), nullable=True),
    sa.Column('to_state', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.CheckConstraint("(trigger = 'create') = (from_state IS NULL)", name=op.f('ck_audit_event_from_state_iff_not_create')),
    sa.CheckConstraint("from_state IN ('draft', 'submitted', 'returned', 'assessed', 'granted', 'rejected', 'withdrawn', 'followed_up', 'scaled', 'closed')", name=op.f('ck_audit_event_from_state')),
    sa.CheckConstraint("to_state IN ('draft', 'submitted', 'returned', 'assessed', 'granted', 'rejected', 'withdrawn', 'followed_up', 'scaled', 'closed')", name=op.f('ck_audit_event_to_state')),
    sa.ForeignKeyConstraint(['actor_id'], ['app_user.id'], name=op.f('fk_audit_event_actor_id_app_user')),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_audit_event_application_id_application')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_application_id'), ['application_id'], unique=False)

    # The audit trail is append-only in the database too (same statements as grants/models/audit.py).
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
               BEGIN RAISE EXCEPTION 'audit_event is append-only'; END $$"""
        )
        op.execute(
            """CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
               FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"""
        )
    else:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"""CREATE TRIGGER audit_event_no_{operation.lower()} BEFORE {operation} ON audit_event
                    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END"""
            )



def downgrade() -> None:
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_application_id'))

    op.drop_table('audit_event')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
    op.drop_table('user_role')
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_state'))
        batch_op.drop_index(batch_op.f('ix_application_organisation_id'))

    op.drop_table('application')
    op.drop_table('app_user')
    op.drop_table('organisation')
    op.drop_table('pot')
    op.drop_table('municipality')
    op.drop_table('case_counter')
