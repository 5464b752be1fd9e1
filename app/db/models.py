"""SQLAlchemy models for the 建档立卡 records (domain.md §2–§6) and the sync bookkeeping.

Codes are stored as the short code strings of app/domain/codes.py and checked by app/ops, not by
database enums. Rows are never physically deleted: synced tables carry a ``deleted`` tombstone flag.
Multi-valued codes (health, other causes, visit changes) are comma-joined sorted codes.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, code_col, derived, uuid_pk


class Synced(Base):
    """A table whose every write is recorded in the change log (sync-design.md)."""

    __abstract__ = True
    __synced__ = True

    id: Mapped[str] = uuid_pk()
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)


# --- places -------------------------------------------------------------------------------------


class Region(Synced):
    """省/市/县/乡镇/村/组 in one tree; village-only columns are empty on the other levels."""

    __tablename__ = "region"

    code: Mapped[str] = mapped_column(String(14), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    level: Mapped[str] = mapped_column(String(12), index=True)
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("region.id"), index=True)
    # village (村) attributes, domain.md §2
    poor_village: Mapped[bool | None] = mapped_column(Boolean)
    agri_population: Mapped[int | None] = mapped_column(Integer)
    total_households: Mapped[int | None] = mapped_column(Integer)
    collective_income: Mapped[Decimal | None]
    exit_year: Mapped[int | None] = mapped_column(Integer)
    first_secretary: Mapped[str | None] = mapped_column(String(40))
    first_secretary_phone: Mapped[str | None] = mapped_column(String(20))
    team_contact: Mapped[str | None] = mapped_column(String(200))


# --- household and members ----------------------------------------------------------------------


class Household(Synced):
    __tablename__ = "household"
    __table_args__ = (
        Index("ix_household_village_group", "village_id", "group_id"),
        Index("ix_household_village_status", "village_id", "status"),
    )

    # Not unique: two laptops with the same device code could print the same number; the key is id.
    code: Mapped[str] = mapped_column(String(24), index=True)
    national_code: Mapped[str | None] = mapped_column(String(40), index=True)
    village_id: Mapped[str] = mapped_column(ForeignKey("region.id"))
    group_id: Mapped[str | None] = mapped_column(ForeignKey("region.id"))
    phone: Mapped[str | None] = mapped_column(String(20))
    bank: Mapped[str | None] = mapped_column(String(60))
    bank_account: Mapped[str | None] = mapped_column(String(40))
    standard: Mapped[str | None] = code_col()
    category: Mapped[str | None] = code_col()
    main_cause: Mapped[str | None] = code_col()
    other_causes: Mapped[str | None] = mapped_column(String(60))
    identified_year: Mapped[int | None] = mapped_column(Integer)
    planned_exit_year: Mapped[int | None] = mapped_column(Integer)
    exit_year: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str | None] = code_col()
    military_family: Mapped[bool] = mapped_column(Boolean, default=False)
    only_child: Mapped[bool] = mapped_column(Boolean, default=False)
    two_daughters: Mapped[bool] = mapped_column(Boolean, default=False)
    monitoring_type: Mapped[str | None] = code_col()
    risk_status: Mapped[str | None] = code_col()
    risk_identified_on: Mapped[date | None] = mapped_column(Date)
    risk_cleared_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    # What the national system's 花名册 reported, kept beside what Kace derives (domain.md §9).
    reported_size: Mapped[int | None] = mapped_column(Integer)
    reported_per_capita: Mapped[Decimal | None]
    reported_income_year: Mapped[int | None] = mapped_column(Integer)
    data_year: Mapped[int | None] = mapped_column(Integer)  # the sheet's 年度 / 数据日期
    # Cells whose text is not in a code list, kept as typed: JSON {header: text}.
    unmapped: Mapped[str | None] = mapped_column(Text)
    # Stored copies for the list screen, recomputed from members by app/db/derived.py.
    size: Mapped[int] = derived(mapped_column(Integer, default=0))
    head_name: Mapped[str | None] = derived(mapped_column(String(40), index=True))
    head_id_number: Mapped[str | None] = derived(mapped_column(String(24)))


class Member(Synced):
    __tablename__ = "member"

    household_id: Mapped[str] = mapped_column(ForeignKey("household.id"), index=True)
    name: Mapped[str] = mapped_column(String(40), index=True)
    sex: Mapped[str | None] = mapped_column(String(2))
    id_number: Mapped[str | None] = mapped_column(String(24), index=True)
    id_type: Mapped[str | None] = mapped_column(String(20))
    birth_date: Mapped[date | None] = mapped_column(Date)
    relation: Mapped[str | None] = code_col()
    ethnicity: Mapped[str | None] = code_col()
    political: Mapped[str | None] = code_col()
    education: Mapped[str | None] = code_col()
    schooling: Mapped[str | None] = code_col()
    health: Mapped[str | None] = mapped_column(String(20))
    disability_kind: Mapped[str | None] = code_col()
    disability_grade: Mapped[str | None] = code_col()
    disability_year: Mapped[int | None] = mapped_column(Integer)
    labour: Mapped[str | None] = code_col()
    work: Mapped[str | None] = code_col()
    work_place: Mapped[str | None] = mapped_column(String(100))
    employer: Mapped[str | None] = mapped_column(String(100))
    work_channel: Mapped[str | None] = mapped_column(String(40))
    work_months: Mapped[int | None] = mapped_column(Integer)
    medical_insured: Mapped[bool | None] = mapped_column(Boolean)
    employee_medical: Mapped[bool | None] = mapped_column(Boolean)
    critical_insured: Mapped[bool | None] = mapped_column(Boolean)
    pension_insured: Mapped[bool | None] = mapped_column(Boolean)
    employee_pension: Mapped[bool | None] = mapped_column(Boolean)
    dibao: Mapped[bool | None] = mapped_column(Boolean)
    tekun: Mapped[bool | None] = mapped_column(Boolean)
    soldier: Mapped[bool | None] = mapped_column(Boolean)
    public_post: Mapped[str | None] = mapped_column(String(40))
    public_post_months: Mapped[int | None] = mapped_column(Integer)
    mandarin: Mapped[bool | None] = mapped_column(Boolean)
    dropout_reason: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str | None] = code_col()
    status_date: Mapped[date | None] = mapped_column(Date)
    status_reason: Mapped[str | None] = mapped_column(String(200))
    person_code: Mapped[str | None] = mapped_column(String(40))  # 人编号 of the national system
    home_schooled: Mapped[bool | None] = mapped_column(Boolean)  # 送教上门 (rests on a disability)
    unmapped: Mapped[str | None] = mapped_column(Text)  # JSON {header: text} not in a code list
    # Pinyin initials of the name ("zsf" for 张三丰) for search as you type.
    name_initials: Mapped[str | None] = derived(mapped_column(String(40), index=True))
    # The ID number backwards: "the last four digits" becomes an indexed prefix search.
    id_number_reversed: Mapped[str | None] = derived(mapped_column(String(24), index=True))


class Conditions(Synced):
    """生产生活条件, one row per household per year (domain.md §3.3)."""

    __tablename__ = "conditions"
    __table_args__ = (UniqueConstraint("household_id", "year"),)

    household_id: Mapped[str] = mapped_column(ForeignKey("household.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    arable_mu: Mapped[Decimal | None]
    irrigated_mu: Mapped[Decimal | None]
    forest_mu: Mapped[Decimal | None]
    returned_forest_mu: Mapped[Decimal | None]
    orchard_mu: Mapped[Decimal | None]
    pasture_mu: Mapped[Decimal | None]
    water_surface_mu: Mapped[Decimal | None]
    cooperative: Mapped[bool | None] = mapped_column(Boolean)
    household_power: Mapped[bool | None] = mapped_column(Boolean)
    production_power: Mapped[bool | None] = mapped_column(Boolean)
    road_distance_km: Mapped[Decimal | None]
    road_type: Mapped[str | None] = code_col()
    house_area_m2: Mapped[Decimal | None]
    house_safety: Mapped[str | None] = code_col()
    house_rebuilt: Mapped[bool | None] = mapped_column(Boolean)
    relocated: Mapped[bool | None] = mapped_column(Boolean)
    house_safe: Mapped[bool | None] = mapped_column(Boolean)
    water_difficult: Mapped[bool | None] = mapped_column(Boolean)
    water_safe: Mapped[bool | None] = mapped_column(Boolean)
    fuel: Mapped[str | None] = code_col()
    sanitary_toilet: Mapped[bool | None] = mapped_column(Boolean)
    radio_tv: Mapped[bool | None] = mapped_column(Boolean)
    broadband: Mapped[bool | None] = mapped_column(Boolean)
    # 不愁吃 / 不愁穿 as recorded facts (domain.md §5): yes/no, when and by whom.
    food_secure: Mapped[bool | None] = mapped_column(Boolean)
    clothing_secure: Mapped[bool | None] = mapped_column(Boolean)
    food_clothing_checked_on: Mapped[date | None] = mapped_column(Date)
    food_clothing_checked_by: Mapped[str | None] = mapped_column(String(60))


class Income(Synced):
    """收入, one row per household per year (domain.md §3.4); all items in 元/年."""

    __tablename__ = "income"
    __table_args__ = (UniqueConstraint("household_id", "year"),)

    household_id: Mapped[str] = mapped_column(ForeignKey("household.id"), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    wages: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    business: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    property: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    transfers: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    family_planning: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    dibao_money: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    tekun_money: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    pension_money: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    eco_compensation: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    other_transfers: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    business_costs: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    # 家庭人口 counted when the figure was recorded: the divisor of 人均纯收入.
    household_size: Mapped[int] = mapped_column(Integer)
    net_income: Mapped[Decimal | None] = derived(mapped_column())
    per_capita: Mapped[Decimal | None] = derived(mapped_column(index=True))


# --- assistance ---------------------------------------------------------------------------------


class Helper(Synced):
    """帮扶责任人."""

    __tablename__ = "helper"

    name: Mapped[str] = mapped_column(String(40), index=True)
    unit: Mapped[str | None] = mapped_column(String(100))
    post: Mapped[str | None] = mapped_column(String(60))
    phone: Mapped[str | None] = mapped_column(String(20))
    name_initials: Mapped[str | None] = derived(mapped_column(String(40)))


class Assignment(Synced):
    """Who helps which household from when to when; end_date empty = current helper."""

    __tablename__ = "assignment"
    __table_args__ = (Index("ix_assignment_household_current", "household_id", "end_date"),)

    household_id: Mapped[str] = mapped_column(ForeignKey("household.id"))
    helper_id: Mapped[str] = mapped_column(ForeignKey("helper.id"), index=True)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)


class Plan(Synced):
    """一户一策 帮扶计划, per household per year."""

    __tablename__ = "plan"
    __table_args__ = (UniqueConstraint("household_id", "year"),)

    household_id: Mapped[str] = mapped_column(ForeignKey("household.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    goal: Mapped[str | None] = mapped_column(Text)
    main_measures: Mapped[str | None] = mapped_column(Text)
    expected_increase: Mapped[Decimal | None]


class Measure(Synced):
    """帮扶措施."""

    __tablename__ = "measure"

    household_id: Mapped[str] = mapped_column(ForeignKey("household.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = code_col(nullable=False)
    content: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[Decimal | None]
    source: Mapped[str | None] = code_col()
    status: Mapped[str | None] = code_col()
    benefit: Mapped[str | None] = mapped_column(Text)


class Loan(Synced):
    """扶贫小额信贷."""

    __tablename__ = "loan"

    household_id: Mapped[str] = mapped_column(ForeignKey("household.id"), index=True)
    amount: Mapped[Decimal]
    bank: Mapped[str | None] = mapped_column(String(60))
    start_date: Mapped[date | None] = mapped_column(Date)
    term_months: Mapped[int | None] = mapped_column(Integer)
    repaid_amount: Mapped[Decimal | None]
    repaid_on: Mapped[date | None] = mapped_column(Date)
    purpose: Mapped[str | None] = mapped_column(String(200))


class Visit(Synced):
    """走访记录."""

    __tablename__ = "visit"
    __table_args__ = (Index("ix_visit_household_date", "household_id", "visit_date"),)

    household_id: Mapped[str] = mapped_column(ForeignKey("household.id"))
    visit_date: Mapped[date] = mapped_column(Date, index=True)
    helper_id: Mapped[str | None] = mapped_column(ForeignKey("helper.id"), index=True)
    visitors: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str | None] = code_col()
    met_person: Mapped[str | None] = mapped_column(String(40))
    changes: Mapped[str | None] = mapped_column(String(40))
    change_note: Mapped[str | None] = mapped_column(Text)
    problems: Mapped[str | None] = mapped_column(Text)
    measures_progress: Mapped[str | None] = mapped_column(Text)
    next_steps: Mapped[str | None] = mapped_column(Text)


# --- life cycle ---------------------------------------------------------------------------------


class WorkflowStep(Synced):
    """One dated step of 新识别 / 脱贫退出 / 返贫 / 销户 / member change (domain.md §5)."""

    __tablename__ = "workflow_step"
    __table_args__ = (Index("ix_workflow_step_household_process", "household_id", "process"),)

    household_id: Mapped[str] = mapped_column(ForeignKey("household.id"))
    process: Mapped[str] = mapped_column(String(20))
    step: Mapped[int] = mapped_column(Integer)
    step_date: Mapped[date | None] = mapped_column(Date)
    actor: Mapped[str | None] = mapped_column(String(60))
    result: Mapped[str | None] = mapped_column(String(20))
    doc_ref: Mapped[str | None] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(Text)


class ExitAssessment(Synced):
    """贫困户退出 assessment: the indicators with their evidence, stored to reprint the form."""

    __tablename__ = "exit_assessment"

    household_id: Mapped[str] = mapped_column(ForeignKey("household.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    profile: Mapped[str] = mapped_column(String(30))
    passed: Mapped[bool] = mapped_column(Boolean)
    indicators: Mapped[str] = mapped_column(Text)  # JSON list
    inputs: Mapped[str | None] = mapped_column(Text)  # JSON
    assessed_by: Mapped[str | None] = mapped_column(String(60))
    assessed_on: Mapped[date | None] = mapped_column(Date)


class MonitoringRecord(Synced):
    """防止返贫监测 process record (domain.md §6)."""

    __tablename__ = "monitoring_record"

    household_id: Mapped[str] = mapped_column(ForeignKey("household.id"), index=True)
    monitoring_type: Mapped[str | None] = code_col()
    step: Mapped[str] = mapped_column(String(20))
    record_date: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    risk_status: Mapped[str | None] = code_col()
    actor: Mapped[str | None] = mapped_column(String(60))


class PovertyLineEntry(Synced):
    """A province or county override of the national poverty line (domain.md §3.4)."""

    __tablename__ = "poverty_line"
    __table_args__ = (UniqueConstraint("year", "scope", "region_code"),)

    year: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal]
    scope: Mapped[str] = mapped_column(String(10))
    region_code: Mapped[str | None] = mapped_column(String(12))


# --- users and sync bookkeeping (local, not logged) --------------------------------------------


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[str] = uuid_pk()
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(4))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)


class Replica(Base):
    """This database copy's identity and counters: exactly one row.

    replica_id names the installation; incarnation_id changes after a restore or a copy so a cloned
    file cannot reuse sequence numbers; last_seq is the gap-free per-replica change counter.
    """

    __tablename__ = "replica"

    replica_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    incarnation_id: Mapped[str] = mapped_column(String(36))
    device_code: Mapped[int] = mapped_column(Integer, default=1)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hlc: Mapped[int] = mapped_column(BigInteger, default=0)
    household_counter: Mapped[int] = mapped_column(Integer, default=0)
    acked_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    pulled_server_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # Position of the newest record in this database's change log (own and received changes).
    last_log_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    # Enrolment with the county server (app/sync/client.py): None until `kace sync --enrol`.
    server_url: Mapped[str | None] = mapped_column(String(200))
    device_name: Mapped[str | None] = mapped_column(String(60))
    device_key: Mapped[str | None] = mapped_column(String(80))
    # This laptop's Ed25519 private key (hex): it signs the laptop's bundles (app/sync/signing.py).
    signing_key: Mapped[str | None] = mapped_column(String(64))
    # The county server's public key (hex), learnt from hello: return bundles are checked with it.
    server_public_key: Mapped[str | None] = mapped_column(String(64))


class Change(Base):
    """One record per changed row (sync-design.md): the audit trail, history and sync outbox.

    payload is JSON: {field: {"new": v, "old": v, "parents": [change_id, ...]}}; a create holds
    every field's "new" value and no parents.
    """

    __tablename__ = "change"
    __table_args__ = (
        UniqueConstraint("replica_id", "incarnation_id", "seq"),
        Index("ix_change_row", "table_name", "row_id"),
        Index("ix_change_row_id", "row_id"),  # the merge and a village's change count look up by row alone
    )

    change_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    replica_id: Mapped[str] = mapped_column(String(36))
    incarnation_id: Mapped[str] = mapped_column(String(36))
    seq: Mapped[int] = mapped_column(BigInteger)
    hlc: Mapped[int] = mapped_column(BigInteger)
    user_name: Mapped[str | None] = mapped_column(String(40))
    tx_id: Mapped[str] = mapped_column(String(36))
    table_name: Mapped[str] = mapped_column(String(40))
    row_id: Mapped[str] = mapped_column(String(36))
    op: Mapped[str] = mapped_column(String(8))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # Position in THIS database's log: insertion order on a laptop (own and received changes, so
    # a push replays them causally), the server sequence in commit order on the server.
    log_seq: Mapped[int] = mapped_column(BigInteger, index=True)
    # Laptop: the server holds this change (it came from there or was acknowledged).
    acked: Mapped[bool] = mapped_column(Boolean, default=False)
    # Server: the village whose data this change is (None: county-wide rows), for scoped pulls.
    village_id: Mapped[str | None] = mapped_column(String(36))


class ParkedChange(Base):
    """A received change stored but not applied (sync-design.md): it fails validation, lies outside
    the sending device's villages, or reuses a sequence number with other content (a cloned file).
    Each one is a review item until a person dismisses it."""

    __tablename__ = "parked_change"

    id: Mapped[str] = uuid_pk()
    change_id: Mapped[str | None] = mapped_column(String(36), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str | None] = mapped_column(Text)
    device_name: Mapped[str | None] = mapped_column(String(60))
    record: Mapped[str] = mapped_column(Text)  # the change as received (JSON)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    dismissed: Mapped[bool] = mapped_column(Boolean, default=False)


class PendingRow(Base):
    """A row whose changes arrived before its create or before a row it refers to (relayed or
    out-of-order delivery); merged again when more changes arrive."""

    __tablename__ = "pending_row"

    table_name: Mapped[str] = mapped_column(String(40), primary_key=True)
    row_id: Mapped[str] = mapped_column(String(36), primary_key=True)


# --- county server only ------------------------------------------------------------------------


class Device(Base):
    """A laptop enrolled with the county server and the villages it may read and write."""

    __tablename__ = "sync_device"

    id: Mapped[str] = uuid_pk()
    name: Mapped[str] = mapped_column(String(60), unique=True)
    device_code: Mapped[int] = mapped_column(Integer)
    villages: Mapped[str] = mapped_column(Text)  # JSON list of village region codes
    # Only the SHA-256 of the device key: a dump of the county database reveals no key.
    key_hash: Mapped[str | None] = mapped_column(String(80))
    # The laptop's Ed25519 public key (hex): its bundles are checked with it (app/sync/signing.py).
    public_key: Mapped[str | None] = mapped_column(String(64))
    # The laptop database's current incarnation (hello, laptop bundle): a return bundle leaves out
    # what the server received from it, as the network pull does.
    incarnation_id: Mapped[str | None] = mapped_column(String(36))
    token_hash: Mapped[str | None] = mapped_column(String(80))
    replica_id: Mapped[str | None] = mapped_column(String(36))
    enrolled_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime)
    pulled_server_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)


class DeviceAck(Base):
    """How far the server holds a device's log, per database incarnation of that device."""

    __tablename__ = "sync_device_ack"

    device_id: Mapped[str] = mapped_column(ForeignKey("sync_device.id"), primary_key=True)
    incarnation_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    acked_through: Mapped[int] = mapped_column(BigInteger, default=0)


class Counter(Base):
    """Named counters taken under a row lock: server sequence numbers in commit order."""

    __tablename__ = "sync_counter"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class ConsoleUser(Base):
    """An account of the county web console (app/console): 县管理员, 乡镇 (its townships) or 查看."""

    __tablename__ = "console_user"

    id: Mapped[str] = uuid_pk()
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(40))
    role: Mapped[str] = mapped_column(String(12))
    townships: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of township codes (乡镇)
    password_hash: Mapped[str] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ConsoleSession(Base):
    """A logged-in browser: the cookie's SHA-256 (the cookie itself is never stored), its CSRF
    token and when it was last used (idle timeout)."""

    __tablename__ = "console_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("console_user.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)


class ConsoleAudit(Base):
    """Every change made in the console and every view of an unmasked ID number, with the user."""

    __tablename__ = "console_audit"

    id: Mapped[str] = uuid_pk()
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    username: Mapped[str | None] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)
    ip: Mapped[str | None] = mapped_column(String(45))


class FieldHead(Base):
    """Current leaf change ids of one field, kept only once a field changes after its row's create.

    A field with no row here has one leaf: the change that created the row. This keeps the table
    small (sync-design.md: reads and merges never scan the log).
    """

    __tablename__ = "field_head"

    table_name: Mapped[str] = mapped_column(String(40), primary_key=True)
    row_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    field: Mapped[str] = mapped_column(String(40), primary_key=True)
    change_ids: Mapped[str] = mapped_column(Text)  # JSON list of leaf change ids
    # Several leaves with different values: the field shows a provisional value and needs review.
    conflict: Mapped[bool] = mapped_column(Boolean, default=False, index=True)


class Setting(Base):
    """County-level settings kept in the database (supervision phone, rule profile...)."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text)


SYNCED_MODELS: tuple[type[Synced], ...] = tuple(
    m for m in Synced.__subclasses__() if m.__synced__
)
SYNCED_TABLES = {m.__tablename__: m.__table__ for m in SYNCED_MODELS}
