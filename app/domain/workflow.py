"""The life of a household (domain.md §5) as data: processes, their steps and the legal transitions.

Every step is a dated record (step, date, who, result, document reference, note). Which step may come
next is decided here from the household's status and its recorded steps; an illegal step is refused
with a Chinese message saying what must come first. No database: app/ops/workflow.py loads the steps,
asks `check_step`, and writes the step and the status change it returns.

A process run is the steps of one process since its last step 1 (a household refused in one year
may apply again the next; a household that fell back goes through the exit process again).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from app.domain import codes
from app.domain.errors import DomainError

FIELD = "程序步骤"
PUBLICITY_DAYS = 7  # 公示 7 days (两公示一公告)


def _status(label: str) -> str:
    return codes.HOUSEHOLD_STATUS.code(label)


NEW = _status("新识别贫困户")
POOR = _status("未脱贫")
PRE_EXIT = _status("预脱贫")
EXITED = _status("已脱贫")
FALLEN_BACK = _status("返贫")
CANCELLED = _status("注销")
# Statuses of a household in 未脱贫 work (it may start the exit process).
IN_POVERTY = frozenset({NEW, POOR, FALLEN_BACK})
REGISTERED = frozenset({NEW, POOR, PRE_EXIT, EXITED, FALLEN_BACK})
# Not yet exited: their members in status 正常 are the 贫困人口 of 贫困发生率 (domain.md §5).
NOT_EXITED = frozenset({NEW, POOR, PRE_EXIT, FALLEN_BACK})


@dataclass(frozen=True)
class Step:
    number: int
    name: str
    publicity_days: int = 0  # a 公示: the next step may not come before it has run its days
    pass_word: str = "通过"
    fail_word: str = "未通过"
    needs_assessment: bool = False  # the exit indicators must all pass (exit steps 1 and 7)


@dataclass(frozen=True)
class Process:
    key: str
    title: str
    steps: tuple[Step, ...]
    start_statuses: frozenset[str | None]
    status_after_start: str | None = None  # None: unchanged
    status_when_done: str | None = None
    status_when_refused: str | None = None  # None: unchanged
    note_required: bool = False  # a reason must be given (返贫, 销户)
    member_change: bool = False

    def step(self, number: int) -> Step:
        if not 1 <= number <= len(self.steps):
            raise DomainError(FIELD, f"{self.title}没有第{number}步（共{len(self.steps)}步）")
        return self.steps[number - 1]

    @property
    def last(self) -> int:
        return len(self.steps)


def _steps(*specs) -> tuple[Step, ...]:
    out = []
    for n, spec in enumerate(specs, 1):
        name, *extra = spec if isinstance(spec, tuple) else (spec,)
        out.append(Step(n, name, **(extra[0] if extra else {})))
    return tuple(out)


_PUBLICITY = {"publicity_days": PUBLICITY_DAYS, "pass_word": "无异议", "fail_word": "有异议"}

PROCESSES: dict[str, Process] = {p.key: p for p in (
    Process(
        "identify", "新识别",
        _steps(
            ("农户申请", {"pass_word": "已申请", "fail_word": "撤回申请"}),
            "入户调查核实（“五查五看”/收入测算）",
            "村民小组评议",
            "村民代表大会民主评议",
            ("村两委和驻村工作队审查，村内第一次公示（7天）", _PUBLICITY),
            ("乡镇审核，村内第二次公示（7天）", _PUBLICITY),
            ("县扶贫部门审定，在村公告", {"pass_word": "审定通过", "fail_word": "审定未通过"}),
            ("录入建档立卡，结对帮扶责任人，制定一户一策", {"pass_word": "已完成", "fail_word": "未完成"}),
        ),
        start_statuses=frozenset({None, CANCELLED}),
        status_when_done=POOR,  # domain.md §5: 拟识别 → 贫困户（未脱贫）
    ),
    Process(
        "exit", "脱贫退出",
        _steps(
            ("入户核查测算（“三看三步走”：看收入、看两不愁三保障、看饮水安全）",
             {"pass_word": "达标", "fail_word": "未达标", "needs_assessment": True}),
            "村民代表大会民主评议",
            "村两委和驻村工作队核实",
            ("贫困户签字认可", {"pass_word": "认可", "fail_word": "不认可"}),
            ("村内公示（7天无异议）", _PUBLICITY),
            "乡镇审核",
            ("县审定，公告退出，标注脱贫", {"pass_word": "审定通过", "fail_word": "审定未通过",
                                           "needs_assessment": True}),
        ),
        start_statuses=IN_POVERTY,
        status_after_start=PRE_EXIT,
        status_when_done=EXITED,
        status_when_refused=POOR,
    ),
    Process(
        "fallback", "返贫",
        _steps(("返贫认定", {"pass_word": "认定返贫", "fail_word": "不认定"})),
        start_statuses=frozenset({EXITED}),
        status_when_done=FALLEN_BACK,
        note_required=True,
    ),
    Process(
        "cancel", "自然减少/销户",
        _steps(
            ("村级核实提出（自然减少或识别不准清退）", {"pass_word": "提出", "fail_word": "撤回"}),
            "乡镇审核",
            ("县扶贫部门审定销户", {"pass_word": "审定销户", "fail_word": "不予销户"}),
        ),
        start_statuses=REGISTERED,
        status_when_done=CANCELLED,
        note_required=True,
    ),
    Process(
        "monitor", "防止返贫监测",
        _steps(
            ("发现（农户申报/干部排查/部门预警）", {"pass_word": "已发现"}),
            "入户核实",
            "村级评议",
            "乡镇审核",
            ("县级确认纳入", {"pass_word": "确认纳入", "fail_word": "不予纳入"}),
            ("落实帮扶措施", {"pass_word": "已落实", "fail_word": "未落实"}),
            ("风险消除", {"pass_word": "风险已消除", "fail_word": "风险未消除"}),
        ),
        start_statuses=frozenset({None, NEW, POOR, PRE_EXIT, EXITED, FALLEN_BACK}),
    ),
    Process("member_add", "成员新增", _steps(("成员新增（出生、婚入、回归等）", {"pass_word": "已登记"})),
            start_statuses=frozenset(), member_change=True),
    Process("member_remove", "成员减少", _steps(("成员减少（死亡、迁出、婚出等）", {"pass_word": "已登记"})),
            start_statuses=frozenset(), member_change=True),
    Process("head_change", "变更户主", _steps(("变更户主", {"pass_word": "已登记"})),
            start_statuses=frozenset(), member_change=True),
)}

PROCESS_BY_TITLE = {p.title: p.key for p in PROCESSES.values()}


def process(key: str) -> Process:
    try:
        return PROCESSES[key]
    except KeyError:
        raise DomainError(FIELD, f"未知的程序：{key}") from None


@dataclass(frozen=True)
class StepRecord:
    """A recorded step, as loaded from workflow_step (plain data)."""

    process: str
    step: int
    step_date: date | None
    result: str | None = None
    actor: str | None = None
    doc_ref: str | None = None
    note: str | None = None
    id: str = ""

    @property
    def passed(self) -> bool:
        spec = PROCESSES.get(self.process)
        if spec is None or not 1 <= self.step <= spec.last:
            return True
        return self.result != spec.step(self.step).fail_word


def _order(history: Iterable[StepRecord]) -> list[StepRecord]:
    # ids are time-ordered (UUIDv7): equal dates keep the order they were recorded in.
    return sorted(history, key=lambda s: (s.step_date or date.min, s.step, s.id))


def current_run(process_key: str, history: Iterable[StepRecord]) -> list[StepRecord]:
    """The steps of the latest run of a process (from its last step 1), in order."""
    steps = [s for s in _order(history) if s.process == process_key]
    starts = [i for i, s in enumerate(steps) if s.step == 1]
    return steps[starts[-1]:] if starts else []


@dataclass(frozen=True)
class RunState:
    process: str
    steps: tuple[StepRecord, ...]
    state: str  # "none" | "open" | "done" | "refused"

    @property
    def last_step(self) -> int:
        return self.steps[-1].step if self.steps else 0


def run_state(process_key: str, history: Iterable[StepRecord]) -> RunState:
    spec = process(process_key)
    run = current_run(process_key, history)
    if not run:
        return RunState(process_key, (), "none")
    last = run[-1]
    if not last.passed:
        state = "refused"
    elif last.step >= spec.last:
        state = "done"
    else:
        state = "open"
    return RunState(process_key, tuple(run), state)


@dataclass(frozen=True)
class Transition:
    """What recording a step does: the step row and the household fields that change."""

    process: str
    step: int
    step_name: str
    result: str
    household: dict = field(default_factory=dict)  # field -> new value (status, exit_year...)


def _status_label(status: str | None) -> str:
    return codes.HOUSEHOLD_STATUS.label(status) if status else "未建档"


def _step_label(spec: Process, number: int) -> str:
    return f"{spec.title}第{number}步“{spec.step(number).name}”"


def _identification_pending(history: Sequence[StepRecord]) -> str | None:
    state = run_state("identify", history)
    if state.state == "open":
        nxt = state.last_step + 1
        return (f"该户新识别程序尚未完成（已完成第{state.last_step}步），"
                f"请先完成{_step_label(PROCESSES['identify'], nxt)}")
    return None


def check_step(
    process_key: str,
    step: int,
    on: date,
    passed: bool,
    status: str | None,
    history: Sequence[StepRecord],
    today: date,
    *,
    note: str | None = None,
    assessment_failures: Sequence[str] | None = None,
    exit_year: int | None = None,
) -> Transition:
    """Whether `step` of a process may be recorded now; the transition it makes, or DomainError.

    `assessment_failures` are the failing exit indicators (with their evidence) of the assessment
    made for this step; it must be given for a step that needs one. `exit_year` is the year the exit
    is approved for (the 公告 year; exit_approval_year), recorded as 脱贫年度 by the last exit step.
    """
    spec = process(process_key)
    this = spec.step(step)
    label = _step_label(spec, step)
    if on is None:
        raise DomainError("日期", f"请填写{label}的日期")
    if on > today:
        raise DomainError("日期", f"{label}的日期不能晚于今天：{on.isoformat()}")
    if spec.note_required and step == 1 and not (note or "").strip():
        raise DomainError("备注", f"请填写{spec.title}的原因")
    state = run_state(process_key, history)
    if step == 1:
        if state.state == "open":
            raise DomainError(FIELD, f"{spec.title}程序已在进行中（已完成第{state.last_step}步），"
                                     f"下一步是{_step_label(spec, state.last_step + 1)}")
        if status not in spec.start_statuses:
            pending = _identification_pending(history) if process_key != "identify" else None
            if pending:
                raise DomainError(FIELD, pending)
            allowed = "、".join(_status_label(s) for s in sorted(spec.start_statuses, key=str))
            raise DomainError(
                FIELD, f"户状态为“{_status_label(status)}”，不能开始{spec.title}程序（应为：{allowed}）")
    else:
        if state.state in ("none", "done", "refused"):
            first = _step_label(spec, 1)
            raise DomainError(FIELD, f"{spec.title}程序尚未开始，请先完成{first}")
        done_step = state.last_step
        if step <= done_step:
            earlier = next(s for s in state.steps if s.step == step)
            raise DomainError(FIELD, f"{label}已于 {earlier.step_date.isoformat()} 记录，不能重复记录")
        if step > done_step + 1:
            raise DomainError(FIELD, f"请先完成{_step_label(spec, done_step + 1)}")
        previous = state.steps[-1]
        prev_spec = spec.step(previous.step)
        if previous.step_date and on < previous.step_date:
            raise DomainError("日期", f"{label}的日期（{on.isoformat()}）不能早于上一步"
                                      f"（{previous.step_date.isoformat()}）")
        if prev_spec.publicity_days and previous.step_date:
            ends = previous.step_date + timedelta(days=prev_spec.publicity_days)
            if on < ends:
                raise DomainError("日期", f"“{prev_spec.name}”公示期{prev_spec.publicity_days}天，"
                                          f"{ends.isoformat()}（含）以后才能进行{label}")
    if this.needs_assessment and passed:
        if assessment_failures is None:
            raise DomainError(FIELD, f"{label}需要先进行退出评估")
        if assessment_failures:
            raise DomainError(FIELD, "退出指标未达标，不能退出：" + "；".join(assessment_failures))
    household: dict = {}
    if not passed:
        if spec.status_when_refused is not None:
            household["status"] = spec.status_when_refused
    elif step == spec.last and spec.status_when_done is not None:
        household["status"] = spec.status_when_done
        if process_key == "exit":
            household["exit_year"] = exit_year or exit_approval_year(history, on)
        elif process_key == "identify":
            household["identified_year"] = on.year
    elif step == 1 and spec.status_after_start is not None:
        household["status"] = spec.status_after_start
    if "status" in household and household["status"] == status:
        del household["status"]
    return Transition(process_key, step, this.name, this.pass_word if passed else this.fail_word, household)


def exit_approval_year(history: Iterable[StepRecord], on: date) -> int:
    """The year an exit is approved for: the year of its 入户核查测算 (step 1, when the year's income
    and 两不愁三保障 were measured), not the date the county's 公告 happens to fall on (often the next
    January)."""
    run = current_run("exit", history)
    first = next((s for s in run if s.step == 1 and s.step_date), None)
    return first.step_date.year if first else on.year


@dataclass(frozen=True)
class Action:
    """A step the household may take next (for the buttons under the timeline)."""

    process: str
    step: int
    title: str  # "脱贫退出 第2步：村民代表大会民主评议"
    not_before: date | None = None  # the end of a 公示 period


def next_actions(status: str | None, history: Sequence[StepRecord]) -> list[Action]:
    """The steps that are legal next, by process (dates and assessments are checked on recording)."""
    out = []
    for key, spec in PROCESSES.items():
        if spec.member_change:
            continue
        state = run_state(key, history)
        if state.state == "open":
            nxt = state.last_step + 1
            previous = state.steps[-1]
            days = spec.step(previous.step).publicity_days
            not_before = previous.step_date + timedelta(days=days) if days and previous.step_date else None
            out.append(Action(key, nxt, f"{spec.title} 第{nxt}步：{spec.step(nxt).name}", not_before))
        elif status in spec.start_statuses and not (key != "identify" and _identification_pending(history)):
            out.append(Action(key, 1, f"{spec.title} 第1步：{spec.step(1).name}"))
    return out


@dataclass(frozen=True)
class TimelineEntry:
    date: date | None
    process: str
    process_title: str
    step: int
    step_name: str
    result: str
    passed: bool
    actor: str
    doc_ref: str
    note: str


def timeline(history: Iterable[StepRecord]) -> list[TimelineEntry]:
    """Every recorded step in date order, with its names, for the household's timeline."""
    out = []
    for s in _order(history):
        spec = PROCESSES.get(s.process)
        title = spec.title if spec else s.process
        name = spec.step(s.step).name if spec and 1 <= s.step <= spec.last else f"第{s.step}步"
        out.append(TimelineEntry(s.step_date, s.process, title, s.step, name, s.result or "", s.passed,
                                 s.actor or "", s.doc_ref or "", s.note or ""))
    return out


def exit_complete(history: Sequence[StepRecord]) -> bool:
    """Whether the latest exit run went through all its steps (rule EX04)."""
    return run_state("exit", history).state == "done"


def household_lists(status: str | None, exit_year: int | None, history: Sequence[StepRecord],
                    this_year: int) -> set[str]:
    """Which of the lists 拟识别 / 未纳入 / 拟退出 / 本年已脱贫 / 返贫 the household belongs to."""
    lists = set()
    identify = run_state("identify", history)
    if identify.state == "open":
        lists.add("拟识别")
    elif identify.state == "refused" and status in (None, CANCELLED):
        lists.add("未纳入")
    if status == PRE_EXIT or (status in IN_POVERTY and run_state("exit", history).state == "open"):
        lists.add("拟退出")
    if status == EXITED and exit_year == this_year:
        lists.add("本年已脱贫")
    if status == FALLEN_BACK:
        lists.add("返贫")
    return lists


LISTS = ("拟识别", "未纳入", "拟退出", "本年已脱贫", "返贫")
