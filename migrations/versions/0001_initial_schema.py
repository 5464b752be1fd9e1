"""initial schema: 建档立卡 records, change log, field heads

Revision ID: 0001
Revises: 
Create Date: 2026-11-27 23:34:51.741857
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('app_user',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('username', sa.String(length=40), nullable=False),
    sa.Column('display_name', sa.String(length=40), nullable=True),
    sa.Column('role', sa.String(length=4), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=True),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_app_user')),
    sa.UniqueConstraint('username', name=op.f('uq_app_user_username'))
    )
    op.create_table('change',
    sa.Column('change_id', sa.String(length=36), nullable=False),
    sa.Column('replica_id', sa.String(length=36), nullable=False),
    sa.Column('incarnation_id', sa.String(length=36), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('hlc', sa.BigInteger(), nullable=False),
    sa.Column('user_name', sa.String(length=40), nullable=True),
    sa.Column('tx_id', sa.String(length=36), nullable=False),
    sa.Column('table_name', sa.String(length=40), nullable=False),
    sa.Column('row_id', sa.String(length=36), nullable=False),
    sa.Column('op', sa.String(length=8), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('change_id', name=op.f('pk_change')),
    sa.UniqueConstraint('replica_id', 'incarnation_id', 'seq', name=op.f('uq_change_replica_id'))
    )
    with op.batch_alter_table('change', schema=None) as batch_op:
        batch_op.create_index('ix_change_row', ['table_name', 'row_id'], unique=False)

    op.create_table('field_head',
    sa.Column('table_name', sa.String(length=40), nullable=False),
    sa.Column('row_id', sa.String(length=36), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('change_ids', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('table_name', 'row_id', 'field', name=op.f('pk_field_head'))
    )
    op.create_table('helper',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('unit', sa.String(length=100), nullable=True),
    sa.Column('post', sa.String(length=60), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('name_initials', sa.String(length=40), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_helper'))
    )
    with op.batch_alter_table('helper', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_helper_name'), ['name'], unique=False)

    op.create_table('poverty_line',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('region_code', sa.String(length=12), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_poverty_line')),
    sa.UniqueConstraint('year', 'scope', 'region_code', name=op.f('uq_poverty_line_year'))
    )
    op.create_table('region',
    sa.Column('code', sa.String(length=14), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('level', sa.String(length=12), nullable=False),
    sa.Column('parent_id', sa.String(length=36), nullable=True),
    sa.Column('poor_village', sa.Boolean(), nullable=True),
    sa.Column('agri_population', sa.Integer(), nullable=True),
    sa.Column('total_households', sa.Integer(), nullable=True),
    sa.Column('collective_income', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('exit_year', sa.Integer(), nullable=True),
    sa.Column('first_secretary', sa.String(length=40), nullable=True),
    sa.Column('first_secretary_phone', sa.String(length=20), nullable=True),
    sa.Column('team_contact', sa.String(length=200), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['region.id'], name=op.f('fk_region_parent_id_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_region')),
    sa.UniqueConstraint('code', name=op.f('uq_region_code'))
    )
    with op.batch_alter_table('region', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_region_level'), ['level'], unique=False)
        batch_op.create_index(batch_op.f('ix_region_parent_id'), ['parent_id'], unique=False)

    op.create_table('replica',
    sa.Column('replica_id', sa.String(length=36), nullable=False),
    sa.Column('incarnation_id', sa.String(length=36), nullable=False),
    sa.Column('device_code', sa.Integer(), nullable=False),
    sa.Column('last_seq', sa.BigInteger(), nullable=False),
    sa.Column('last_hlc', sa.BigInteger(), nullable=False),
    sa.Column('household_counter', sa.Integer(), nullable=False),
    sa.Column('acked_seq', sa.BigInteger(), nullable=False),
    sa.Column('pulled_server_seq', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('replica_id', name=op.f('pk_replica'))
    )
    op.create_table('setting',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_setting'))
    )
    op.create_table('household',
    sa.Column('code', sa.String(length=24), nullable=False),
    sa.Column('national_code', sa.String(length=40), nullable=True),
    sa.Column('village_id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('bank', sa.String(length=60), nullable=True),
    sa.Column('bank_account', sa.String(length=40), nullable=True),
    sa.Column('standard', sa.String(length=4), nullable=True),
    sa.Column('category', sa.String(length=4), nullable=True),
    sa.Column('main_cause', sa.String(length=4), nullable=True),
    sa.Column('other_causes', sa.String(length=60), nullable=True),
    sa.Column('identified_year', sa.Integer(), nullable=True),
    sa.Column('planned_exit_year', sa.Integer(), nullable=True),
    sa.Column('exit_year', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=4), nullable=True),
    sa.Column('military_family', sa.Boolean(), nullable=False),
    sa.Column('only_child', sa.Boolean(), nullable=False),
    sa.Column('two_daughters', sa.Boolean(), nullable=False),
    sa.Column('monitoring_type', sa.String(length=4), nullable=True),
    sa.Column('risk_status', sa.String(length=4), nullable=True),
    sa.Column('risk_identified_on', sa.Date(), nullable=True),
    sa.Column('risk_cleared_on', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('head_name', sa.String(length=40), nullable=True),
    sa.Column('head_id_number', sa.String(length=24), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['region.id'], name=op.f('fk_household_group_id_region')),
    sa.ForeignKeyConstraint(['village_id'], ['region.id'], name=op.f('fk_household_village_id_region')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_household')),
    sa.UniqueConstraint('code', name=op.f('uq_household_code'))
    )
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_household_head_name'), ['head_name'], unique=False)
        batch_op.create_index(batch_op.f('ix_household_national_code'), ['national_code'], unique=False)
        batch_op.create_index('ix_household_village_group', ['village_id', 'group_id'], unique=False)
        batch_op.create_index('ix_household_village_status', ['village_id', 'status'], unique=False)

    op.create_table('assignment',
    sa.Column('household_id', sa.String(length=36), nullable=False),
    sa.Column('helper_id', sa.String(length=36), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['helper_id'], ['helper.id'], name=op.f('fk_assignment_helper_id_helper')),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_assignment_household_id_household')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment'))
    )
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_helper_id'), ['helper_id'], unique=False)
        batch_op.create_index('ix_assignment_household_current', ['household_id', 'end_date'], unique=False)

    op.create_table('conditions',
    sa.Column('household_id', sa.String(length=36), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('arable_mu', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('irrigated_mu', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('forest_mu', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('returned_forest_mu', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('orchard_mu', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('pasture_mu', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('water_surface_mu', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('cooperative', sa.Boolean(), nullable=True),
    sa.Column('household_power', sa.Boolean(), nullable=True),
    sa.Column('production_power', sa.Boolean(), nullable=True),
    sa.Column('road_distance_km', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('road_type', sa.String(length=4), nullable=True),
    sa.Column('house_area_m2', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('house_safety', sa.String(length=4), nullable=True),
    sa.Column('house_rebuilt', sa.Boolean(), nullable=True),
    sa.Column('relocated', sa.Boolean(), nullable=True),
    sa.Column('house_safe', sa.Boolean(), nullable=True),
    sa.Column('water_difficult', sa.Boolean(), nullable=True),
    sa.Column('water_safe', sa.Boolean(), nullable=True),
    sa.Column('fuel', sa.String(length=4), nullable=True),
    sa.Column('sanitary_toilet', sa.Boolean(), nullable=True),
    sa.Column('radio_tv', sa.Boolean(), nullable=True),
    sa.Column('broadband', sa.Boolean(), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_conditions_household_id_household')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conditions')),
    sa.UniqueConstraint('household_id', 'year', name=op.f('uq_conditions_household_id'))
    )
    with op.batch_alter_table('conditions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conditions_household_id'), ['household_id'], unique=False)

    op.create_table('exit_assessment',
    sa.Column('household_id', sa.String(length=36), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('profile', sa.String(length=30), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('indicators', sa.Text(), nullable=False),
    sa.Column('inputs', sa.Text(), nullable=True),
    sa.Column('assessed_by', sa.String(length=60), nullable=True),
    sa.Column('assessed_on', sa.Date(), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_exit_assessment_household_id_household')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exit_assessment'))
    )
    with op.batch_alter_table('exit_assessment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exit_assessment_household_id'), ['household_id'], unique=False)

    op.create_table('income',
    sa.Column('household_id', sa.String(length=36), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('wages', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('business', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('property', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('transfers', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('family_planning', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('dibao_money', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('tekun_money', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('pension_money', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('eco_compensation', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('other_transfers', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('business_costs', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('household_size', sa.Integer(), nullable=False),
    sa.Column('net_income', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('per_capita', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_income_household_id_household')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_income')),
    sa.UniqueConstraint('household_id', 'year', name=op.f('uq_income_household_id'))
    )
    with op.batch_alter_table('income', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_income_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_income_per_capita'), ['per_capita'], unique=False)
        batch_op.create_index(batch_op.f('ix_income_year'), ['year'], unique=False)

    op.create_table('loan',
    sa.Column('household_id', sa.String(length=36), nullable=False),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('bank', sa.String(length=60), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('term_months', sa.Integer(), nullable=True),
    sa.Column('repaid_amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('repaid_on', sa.Date(), nullable=True),
    sa.Column('purpose', sa.String(length=200), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_loan_household_id_household')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loan'))
    )
    with op.batch_alter_table('loan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loan_household_id'), ['household_id'], unique=False)

    op.create_table('measure',
    sa.Column('household_id', sa.String(length=36), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=4), nullable=False),
    sa.Column('content', sa.Text(), nullable=True),
    sa.Column('amount', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('source', sa.String(length=4), nullable=True),
    sa.Column('status', sa.String(length=4), nullable=True),
    sa.Column('benefit', sa.Text(), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_measure_household_id_household')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_measure'))
    )
    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_measure_household_id'), ['household_id'], unique=False)

    op.create_table('member',
    sa.Column('household_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('sex', sa.String(length=2), nullable=True),
    sa.Column('id_number', sa.String(length=24), nullable=True),
    sa.Column('id_type', sa.String(length=20), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('relation', sa.String(length=4), nullable=True),
    sa.Column('ethnicity', sa.String(length=4), nullable=True),
    sa.Column('political', sa.String(length=4), nullable=True),
    sa.Column('education', sa.String(length=4), nullable=True),
    sa.Column('schooling', sa.String(length=4), nullable=True),
    sa.Column('health', sa.String(length=20), nullable=True),
    sa.Column('disability_kind', sa.String(length=4), nullable=True),
    sa.Column('disability_grade', sa.String(length=4), nullable=True),
    sa.Column('disability_year', sa.Integer(), nullable=True),
    sa.Column('labour', sa.String(length=4), nullable=True),
    sa.Column('work', sa.String(length=4), nullable=True),
    sa.Column('work_place', sa.String(length=100), nullable=True),
    sa.Column('employer', sa.String(length=100), nullable=True),
    sa.Column('work_channel', sa.String(length=40), nullable=True),
    sa.Column('work_months', sa.Integer(), nullable=True),
    sa.Column('medical_insured', sa.Boolean(), nullable=True),
    sa.Column('employee_medical', sa.Boolean(), nullable=True),
    sa.Column('critical_insured', sa.Boolean(), nullable=True),
    sa.Column('pension_insured', sa.Boolean(), nullable=True),
    sa.Column('employee_pension', sa.Boolean(), nullable=True),
    sa.Column('dibao', sa.Boolean(), nullable=True),
    sa.Column('tekun', sa.Boolean(), nullable=True),
    sa.Column('soldier', sa.Boolean(), nullable=True),
    sa.Column('public_post', sa.String(length=40), nullable=True),
    sa.Column('public_post_months', sa.Integer(), nullable=True),
    sa.Column('mandarin', sa.Boolean(), nullable=True),
    sa.Column('dropout_reason', sa.String(length=100), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('status', sa.String(length=4), nullable=True),
    sa.Column('status_date', sa.Date(), nullable=True),
    sa.Column('status_reason', sa.String(length=200), nullable=True),
    sa.Column('name_initials', sa.String(length=40), nullable=True),
    sa.Column('id_number_reversed', sa.String(length=24), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_member_household_id_household')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member'))
    )
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_id_number_reversed'), ['id_number_reversed'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_id_number'), ['id_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_name_initials'), ['name_initials'], unique=False)

    op.create_table('monitoring_record',
    sa.Column('household_id', sa.String(length=36), nullable=False),
    sa.Column('monitoring_type', sa.String(length=4), nullable=True),
    sa.Column('step', sa.String(length=20), nullable=False),
    sa.Column('record_date', sa.Date(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('risk_status', sa.String(length=4), nullable=True),
    sa.Column('actor', sa.String(length=60), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_monitoring_record_household_id_household')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monitoring_record'))
    )
    with op.batch_alter_table('monitoring_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_monitoring_record_household_id'), ['household_id'], unique=False)

    op.create_table('plan',
    sa.Column('household_id', sa.String(length=36), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('goal', sa.Text(), nullable=True),
    sa.Column('main_measures', sa.Text(), nullable=True),
    sa.Column('expected_increase', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_plan_household_id_household')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan')),
    sa.UniqueConstraint('household_id', 'year', name=op.f('uq_plan_household_id'))
    )
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_household_id'), ['household_id'], unique=False)

    op.create_table('visit',
    sa.Column('household_id', sa.String(length=36), nullable=False),
    sa.Column('visit_date', sa.Date(), nullable=False),
    sa.Column('helper_id', sa.String(length=36), nullable=True),
    sa.Column('visitors', sa.String(length=200), nullable=True),
    sa.Column('kind', sa.String(length=4), nullable=True),
    sa.Column('met_person', sa.String(length=40), nullable=True),
    sa.Column('changes', sa.String(length=40), nullable=True),
    sa.Column('change_note', sa.Text(), nullable=True),
    sa.Column('problems', sa.Text(), nullable=True),
    sa.Column('measures_progress', sa.Text(), nullable=True),
    sa.Column('next_steps', sa.Text(), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['helper_id'], ['helper.id'], name=op.f('fk_visit_helper_id_helper')),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_visit_household_id_household')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit'))
    )
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_helper_id'), ['helper_id'], unique=False)
        batch_op.create_index('ix_visit_household_date', ['household_id', 'visit_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_visit_date'), ['visit_date'], unique=False)

    op.create_table('workflow_step',
    sa.Column('household_id', sa.String(length=36), nullable=False),
    sa.Column('process', sa.String(length=20), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('step_date', sa.Date(), nullable=True),
    sa.Column('actor', sa.String(length=60), nullable=True),
    sa.Column('result', sa.String(length=20), nullable=True),
    sa.Column('doc_ref', sa.String(length=60), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], name=op.f('fk_workflow_step_household_id_household')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workflow_step'))
    )
    with op.batch_alter_table('workflow_step', schema=None) as batch_op:
        batch_op.create_index('ix_workflow_step_household_process', ['household_id', 'process'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('workflow_step', schema=None) as batch_op:
        batch_op.drop_index('ix_workflow_step_household_process')

    op.drop_table('workflow_step')
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_visit_date'))
        batch_op.drop_index('ix_visit_household_date')
        batch_op.drop_index(batch_op.f('ix_visit_helper_id'))

    op.drop_table('visit')
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_household_id'))

    op.drop_table('plan')
    with op.batch_alter_table('monitoring_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_monitoring_record_household_id'))

    op.drop_table('monitoring_record')
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_id_number_reversed'))
        batch_op.drop_index(batch_op.f('ix_member_name_initials'))
        batch_op.drop_index(batch_op.f('ix_member_name'))
        batch_op.drop_index(batch_op.f('ix_member_id_number'))
        batch_op.drop_index(batch_op.f('ix_member_household_id'))

    op.drop_table('member')
    with op.batch_alter_table('measure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_measure_household_id'))

    op.drop_table('measure')
    with op.batch_alter_table('loan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loan_household_id'))

    op.drop_table('loan')
    with op.batch_alter_table('income', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_income_year'))
        batch_op.drop_index(batch_op.f('ix_income_per_capita'))
        batch_op.drop_index(batch_op.f('ix_income_household_id'))

    op.drop_table('income')
    with op.batch_alter_table('exit_assessment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exit_assessment_household_id'))

    op.drop_table('exit_assessment')
    with op.batch_alter_table('conditions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conditions_household_id'))

    op.drop_table('conditions')
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_index('ix_assignment_household_current')
        batch_op.drop_index(batch_op.f('ix_assignment_helper_id'))

    op.drop_table('assignment')
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.drop_index('ix_household_village_status')
        batch_op.drop_index('ix_household_village_group')
        batch_op.drop_index(batch_op.f('ix_household_national_code'))
        batch_op.drop_index(batch_op.f('ix_household_head_name'))

    op.drop_table('household')
    op.drop_table('setting')
    op.drop_table('replica')
    with op.batch_alter_table('region', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_region_parent_id'))
        batch_op.drop_index(batch_op.f('ix_region_level'))

    op.drop_table('region')
    op.drop_table('poverty_line')
    with op.batch_alter_table('helper', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_helper_name'))

    op.drop_table('helper')
    op.drop_table('field_head')
    with op.batch_alter_table('change', schema=None) as batch_op:
        batch_op.drop_index('ix_change_row')

    op.drop_table('change')
    op.drop_table('app_user')
