"""What a print job reads (app/printing/print_jobs.py): the households of the scope and, set-based,
their rows table by table (one query per table for the whole scope, never one per household).

Which households a village prints:
  - register (村有册): the registered households (新识别, 未脱贫, 预脱贫, 已脱贫, 返贫), not 注销;
    the per-member variant lists their members in status 正常;
  - card, mingbai, visit-form: the registered households plus the households under monitoring;
  - notice: identify → status 新识别贫困户; exit → 预脱贫; monitor → monitoring type set and the risk
    not marked 风险已消除 (a cleared household is not proposed for monitoring);
  - exit-form: status 预脱贫, or an exit assessment recorded for the year.
One household (by 户编号) prints whatever its status.

County settings read from the `setting` table (defaults in SETTING_DEFAULTS): `supervision_phone`
(监督电话, default 12317, the national 扶贫监督举报电话), `objection_place` (where to object during a
公示), `exit_profile` (the exit rule profile of app/domain/exit_rules).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from app import paths
from app.db.models import (
    Assignment,
    Conditions,
    ExitAssessment,
    Helper,
    Household,
    Income,
    Loan,
    Measure,
    Member,
    MonitoringRecord,
    Plan,
    Region,
    Setting,
    Visit,
    WorkflowStep,
)
from app.domain import codes
from app.domain.errors import DomainError
from app.domain.poverty_line import PovertyLine, PovertyLineTable
from app.domain.workflow import NEW, PRE_EXIT, REGISTERED
from app.db.poverty_lines import poverty_lines
from app.printing import data as pd


H, M, R = Household.__table__, Member.__table__, Region.__table__
INC, COND, HELPER, ASSIGN = Income.__table__, Conditions.__table__, Helper.__table__, Assignment.__table__
PLAN, MEASURE, LOAN, VISIT = Plan.__table__, Measure.__table__, Loan.__table__, Visit.__table__
STEP, ASSESS, MONITOR, SETTING = (WorkflowStep.__table__, ExitAssessment.__table__, MonitoringRecord.__table__,
                                  Setting.__table__)

DOCUMENTS = {  # document -> what it is called in messages
    "card": "户有卡（贫困户帮扶手册）", "mingbai": "明白卡", "register": "村有册（贫困户花名册）",
    "notice": "公示", "visit-form": "入户走访记录表", "exit-form": "贫困户退出验收表",
}
NOTICE_KINDS = {"identify": "拟识别贫困户", "exit": "拟退出贫困户", "monitor": "防止返贫监测对象"}
SETTING_DEFAULTS = {"supervision_phone": "12317", "objection_place": "村民委员会", "exit_profile": "national"}

HEAD = codes.RELATION.code("户主")
RISK_CLEARED = codes.RISK_STATUS.code("风险已消除")


class NotFound(DomainError):
    """The 户编号 or village code names nothing in the database."""


class NothingToPrint(DomainError):
    """The scope holds no household the document prints (a notice with no 拟识别 household...)."""


@dataclass(frozen=True)
class PrintRequest:
    """What to print: a document for households (户编号) or for a village (12-digit code).

    `kind` is the notice kind (identify / exit / monitor), `members` the per-member register, `year`
    the year of the record (default: this year), `blank` visit forms without the latest visit.
    """

    document: str
    households: tuple[str, ...] = ()
    village: str | None = None
    kind: str = "identify"
    members: bool = False
    year: int | None = None
    blank: bool = False



# --- the scope --------------------------------------------------------------------------------


@dataclass
class Scope:
    where: Any  # the households, as a condition on the household table
    place: str


def _village(session: Session, code: str) -> Any:
    """The village with this 12-digit code (or this id)."""
    code = code.strip()
    row = session.execute(
        select(R.c.id, R.c.code, R.c.name)
        .where((R.c.code == code) | (R.c.id == code), R.c.level == "village", R.c.deleted.is_(False))
    ).first()
    if row is None:
        raise NotFound("村", f"村不存在：{code}（可用 {paths.cli_name()} villages 查看各村区划代码）")
    return row


def _household_ids(session: Session, household_codes: Sequence[str]) -> list[str]:
    """Household ids for 户编号 (or the national 户编号, or the id itself), in the order given."""
    ids = []
    for code in household_codes:
        code = code.strip()
        found = None
        for column in (H.c.code, H.c.national_code, H.c.id):
            found = session.execute(select(H.c.id).where(column == code, H.c.deleted.is_(False))).scalar()
            if found:
                break
        if found is None:
            raise NotFound("户编号", f"户编号不存在：{code}")
        ids.append(found)
    return ids


def _village_filter(request: PrintRequest, year: int) -> tuple[Any, str]:
    """Which households of a village the document prints, and what they are called."""
    live = H.c.deleted.is_(False)
    registered = H.c.status.in_(sorted(REGISTERED))
    if request.document == "register":
        return live & registered, "建档立卡贫困户"
    if request.document == "notice":
        monitored = H.c.monitoring_type.is_not(None) & ((H.c.risk_status != RISK_CLEARED) | H.c.risk_status.is_(None))
        kind = {"identify": H.c.status == NEW, "exit": H.c.status == PRE_EXIT, "monitor": monitored}[request.kind]
        return live & kind, NOTICE_KINDS[request.kind]
    if request.document == "exit-form":
        assessed = select(ASSESS.c.household_id).where(ASSESS.c.year == year, ASSESS.c.deleted.is_(False))
        return live & ((H.c.status == PRE_EXIT) | H.c.id.in_(assessed)), "拟退出贫困户"
    return live & (registered | H.c.monitoring_type.is_not(None)), "建档立卡贫困户或监测对象"


def read_scope(session: Session, request: PrintRequest, year: int) -> Scope:
    if request.households:
        ids = _household_ids(session, request.households)
        named = session.execute(select(H.c.code, H.c.head_name).where(H.c.id.in_(ids)).order_by(H.c.code)).all()
        place = f"{named[0].code} {named[0].head_name or ''}".strip() if len(named) == 1 else f"{len(named)}户"
        return Scope(H.c.id.in_(ids), place)
    if not request.village:
        raise DomainError("打印范围", "请指定户编号或村")
    village = _village(session, request.village)
    where, what = _village_filter(request, year)
    where = where & (H.c.village_id == village.id)
    if session.execute(select(H.c.id).where(where).limit(1)).first() is None:
        raise NothingToPrint("打印范围", f"{village.name}没有{what}，没有可打印的{DOCUMENTS[request.document]}。")
    return Scope(where, village.name)


# --- reading ----------------------------------------------------------------------------------


def _settings(session: Session) -> dict[str, str]:
    rows = session.execute(select(SETTING.c.key, SETTING.c.value).where(SETTING.c.key.in_(SETTING_DEFAULTS)))
    return {**SETTING_DEFAULTS, **{k: v for k, v in rows if v}}


def _by_household(rows: Iterable[Any]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        out[r.household_id].append(r)
    return out


class Records:
    """The rows of the scope's households, table by table, grouped by household."""

    def __init__(self, session: Session, scope: Scope, year: int, parts: frozenset[str]):
        self.session, self.year, self.scope = session, year, scope
        grp = R.alias("grp")  # households in print order: by group, then 户编号
        self.households = session.execute(
            select(H).join(grp, grp.c.id == H.c.group_id, isouter=True).where(scope.where)
            .order_by(grp.c.code, H.c.code)
        ).all()
        empty: dict = {}
        self.conditions = self.plans = self.assessments = self.last_visit = self.risks = empty
        self.measures = self.loans = self.steps = self.visits = empty
        self.members: dict[str, list[Any]] = {}
        if "members" in parts:  # head first, then by relation and age
            self.members = _by_household(self._where(M, M.c.household_id, order=(M.c.relation, M.c.birth_date, M.c.id)))
        self.lines: PovertyLineTable = poverty_lines(session)
        self._line_cache: dict[tuple[int, str], PovertyLine] = {}
        self.incomes: dict[str, dict[int, Any]] = defaultdict(dict)
        for r in self._where(INC, INC.c.household_id, INC.c.year <= year):
            self.incomes[r.household_id][r.year] = r
        self.settings = _settings(session)
        self._regions()
        self.helpers: dict[str, Any] = {}
        self.assignments = _by_household(self._where(ASSIGN, ASSIGN.c.household_id, order=(ASSIGN.c.start_date,)))
        helper_ids = {a.helper_id for rows in self.assignments.values() for a in rows}
        for r in self._chunked(HELPER, HELPER.c.id, sorted(helper_ids)):
            self.helpers[r.id] = r
        if "record" in parts:
            self.conditions, self.plans = {}, {}  # the household's whole file: card, mingbai, exit form
            for table, store in ((COND, self.conditions), (PLAN, self.plans)):
                for r in self._where(table, table.c.household_id, table.c.year <= year, order=(table.c.year,)):
                    store[r.household_id] = r  # the latest year wins
            self.measures = _by_household(self._where(
                MEASURE, MEASURE.c.household_id, MEASURE.c.year <= year, order=(MEASURE.c.year, MEASURE.c.type)))
            self.loans = _by_household(self._where(LOAN, LOAN.c.household_id, order=(LOAN.c.start_date,)))
            self.steps = _by_household(self._where(
                STEP, STEP.c.household_id, STEP.c.process.in_(("exit", "fallback")),
                order=(STEP.c.step_date, STEP.c.step)))
            self.assessments = {r.household_id: r for r in self._where(  # the newest of the year wins
                ASSESS, ASSESS.c.household_id, ASSESS.c.year == year, order=(ASSESS.c.assessed_on, ASSESS.c.id))}
        if "visits" in parts:
            first, last = date(year, 1, 1), date(year, 12, 31)
            self.visits = _by_household(self._where(
                VISIT, VISIT.c.household_id, VISIT.c.visit_date.between(first, last),
                order=(VISIT.c.visit_date, VISIT.c.id)))
        if "last_visit" in parts:
            latest = (select(VISIT.c.household_id, VISIT.c.visit_date, VISIT.c.id)
                      .where(VISIT.c.household_id.in_(self._id_select()), VISIT.c.deleted.is_(False))
                      .order_by(VISIT.c.household_id, VISIT.c.visit_date, VISIT.c.id))
            last_ids = {hid: vid for hid, _, vid in session.execute(latest)}  # the last row per household wins
            self.last_visit = {r.household_id: r for r in self._chunked(VISIT, VISIT.c.id, sorted(last_ids.values()))}
        if "monitoring" in parts:
            self.risks = {r.household_id: r.reason for r in self._where(
                MONITOR, MONITOR.c.household_id, MONITOR.c.reason.is_not(None),
                order=(MONITOR.c.record_date, MONITOR.c.id))}

    # Scope queries: the ids travel as a sub-select on the household table, one query per table.
    def _id_select(self) -> Select:
        return select(H.c.id).where(self.scope.where)

    def _where(self, table, key, *where, order=()) -> list:
        live = table.c.deleted.is_(False)
        query = select(table).where(key.in_(self._id_select()), live, *where).order_by(*order)
        return self.session.execute(query).all()

    def _chunked(self, table, key, values: list[str]) -> list:
        out = []
        for start in range(0, len(values), 500):
            out += self.session.execute(select(table).where(key.in_(values[start:start + 500]))).all()
        return out

    def _regions(self) -> None:
        """Headers (省 市 县 乡 村) of the villages involved and the names of their groups."""
        village_ids = sorted({h.village_id for h in self.households})
        regions: dict[str, Any] = {}
        wanted = set(village_ids)
        while wanted:
            rows = self.session.execute(select(R.c.id, R.c.code, R.c.name, R.c.level, R.c.parent_id)
                                        .where(R.c.id.in_(sorted(wanted)))).all()
            regions.update({r.id: r for r in rows})
            wanted = {r.parent_id for r in rows if r.parent_id and r.parent_id not in regions}
        self.headers: dict[str, pd.RegionHeader] = {}
        self.village_codes: dict[str, str] = {}
        for vid in village_ids:
            names: dict[str, str] = {}
            node = regions.get(vid)
            while node is not None:
                names[node.level] = node.name
                node = regions.get(node.parent_id)
            code = regions[vid].code
            self.village_codes[vid] = code
            self.headers[vid] = pd.RegionHeader(
                province=names.get("province", ""), prefecture=names.get("prefecture", ""),
                county=names.get("county", ""), township=names.get("township", ""),
                village=names.get("village", ""), village_code=code)
        self.groups = {r.id: r.name for r in self.session.execute(
            select(R.c.id, R.c.name).where(R.c.parent_id.in_(village_ids), R.c.level == "group"))}

    # --- per household ----------------------------------------------------------------------

    def line(self, h: Any, year: int) -> PovertyLine:
        county = self.village_codes[h.village_id][:6]
        key = (year, county)
        if key not in self._line_cache:
            self._line_cache[key] = self.lines.line_for(year, province_code=county[:2], county_code=county)
        return self._line_cache[key]

    def income(self, h: Any) -> Any | None:
        """The income record of the year, or failing that the latest earlier one."""
        by_year = self.incomes.get(h.id)
        return by_year[max(by_year)] if by_year else None

    def current_helper(self, h: Any) -> Any | None:
        current = [a for a in self.assignments.get(h.id, ()) if a.end_date is None]
        return self.helpers.get(current[-1].helper_id) if current else None

    def head(self, h: Any) -> Any | None:
        members = self.members.get(h.id, ())
        return next((m for m in members if m.relation == HEAD), members[0] if members else None)


def data_year(session, request: PrintRequest) -> int | None:
    """The latest 年度 of the households asked for (from an imported national sheet), if any."""
    query = select(func.max(H.c.data_year)).where(H.c.deleted.is_(False))
    if request.households:
        query = query.where(or_(H.c.code.in_(request.households), H.c.national_code.in_(request.households)))
    else:
        query = query.where(H.c.village_id.in_(select(R.c.id).where(R.c.code == request.village)))
    return session.execute(query).scalar()
