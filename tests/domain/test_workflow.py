"""The state machines of domain.md §5: legal steps, refused steps with what must come first."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.domain import workflow as wf
from app.domain.errors import DomainError
from app.domain.workflow import StepRecord

TODAY = date(2026, 11, 27)
D0 = date(2026, 3, 1)


def run_through(process, last, status, start=D0, gap=8):
    """Record steps 1..last legally; return (history, status)."""
    history = []
    day = start
    for step in range(1, last + 1):
        failures = [] if wf.process(process).step(step).needs_assessment else None
        t = wf.check_step(process, step, day, True, status, history, TODAY, note="原因", assessment_failures=failures)
        history.append(StepRecord(process, step, day, t.result, id=f"{process}{step}"))
        status = t.household.get("status", status)
        day += timedelta(days=gap)
    return history, status


def test_identification_goes_through_eight_steps_to_a_registered_household():
    history, status = run_through("identify", 7, None)
    assert status is None and wf.run_state("identify", history).state == "open"
    assert wf.household_lists(None, None, history, 2026) == {"拟识别"}
    t = wf.check_step("identify", 8, D0 + timedelta(days=60), True, None, history, TODAY)
    assert t.household == {"status": wf.POOR, "identified_year": 2026}


def test_a_step_cannot_be_skipped_and_says_what_comes_first():
    history, status = run_through("identify", 4, None)
    with pytest.raises(DomainError, match="请先完成新识别第5步“村两委和驻村工作队审查，村内第一次公示"):
        wf.check_step("identify", 6, D0 + timedelta(days=60), True, status, history, TODAY)


def test_second_publicity_before_the_first_is_refused():
    with pytest.raises(DomainError, match="新识别程序尚未开始，请先完成新识别第1步“农户申请”"):
        wf.check_step("identify", 6, D0, True, None, [], TODAY)


def test_publicity_must_run_seven_days():
    history, status = run_through("identify", 5, None)
    first = history[-1].step_date
    with pytest.raises(DomainError, match=f"公示期7天，{(first + timedelta(days=7)).isoformat()}（含）以后"):
        wf.check_step("identify", 6, first + timedelta(days=3), True, status, history, TODAY)
    assert wf.check_step("identify", 6, first + timedelta(days=7), True, status, history, TODAY).step == 6


def test_a_step_is_not_recorded_twice_nor_dated_before_the_previous_one_or_in_the_future():
    history, status = run_through("identify", 3, None)
    with pytest.raises(DomainError, match="第2步.*已于 .* 记录，不能重复记录"):
        wf.check_step("identify", 2, TODAY, True, status, history, TODAY)
    with pytest.raises(DomainError, match="不能早于上一步"):
        wf.check_step("identify", 4, D0, True, status, history, TODAY)
    with pytest.raises(DomainError, match="不能晚于今天"):
        wf.check_step("identify", 4, TODAY + timedelta(days=1), True, status, history, TODAY)


def test_a_refused_identification_ends_as_not_included_and_may_start_again():
    history, status = run_through("identify", 2, None)
    t = wf.check_step("identify", 3, D0 + timedelta(days=30), False, status, history, TODAY)
    assert t.result == "未通过" and t.household == {}
    history.append(StepRecord("identify", 3, D0 + timedelta(days=30), t.result, id="x"))
    assert wf.run_state("identify", history).state == "refused"
    assert wf.household_lists(None, None, history, 2026) == {"未纳入"}
    with pytest.raises(DomainError, match="尚未开始"):
        wf.check_step("identify", 4, D0 + timedelta(days=40), True, None, history, TODAY)
    assert wf.check_step("identify", 1, D0 + timedelta(days=40), True, None, history, TODAY).step == 1


def test_exit_before_identification_is_complete_is_refused():
    history, status = run_through("identify", 3, None)
    with pytest.raises(DomainError, match="新识别程序尚未完成（已完成第3步），请先完成新识别第4步"):
        wf.check_step("exit", 1, TODAY, True, status, history, TODAY, assessment_failures=[])


def test_exit_goes_through_seven_steps():
    history, status = run_through("exit", 6, wf.POOR)
    assert status == wf.PRE_EXIT
    assert "拟退出" in wf.household_lists(status, None, history, 2026)
    t = wf.check_step("exit", 7, D0 + timedelta(days=60), True, status, history, TODAY, assessment_failures=[])
    assert t.household == {"status": wf.EXITED, "exit_year": 2026}
    history.append(StepRecord("exit", 7, D0 + timedelta(days=60), t.result, id="e7"))
    assert wf.exit_complete(history)
    assert wf.household_lists(wf.EXITED, 2026, history, 2026) == {"本年已脱贫"}


def test_exit_with_a_failing_indicator_is_refused():
    with pytest.raises(DomainError, match="退出指标未达标，不能退出：基本医疗有保障（参加大病保险2/3人）"):
        wf.check_step("exit", 1, TODAY, True, wf.POOR, [], TODAY,
                      assessment_failures=["基本医疗有保障（参加大病保险2/3人）"])
    with pytest.raises(DomainError, match="需要先进行退出评估"):
        wf.check_step("exit", 1, TODAY, True, wf.POOR, [], TODAY)


def test_exit_of_an_already_exited_household_is_refused():
    with pytest.raises(DomainError, match="户状态为“已脱贫”，不能开始脱贫退出程序"):
        wf.check_step("exit", 1, TODAY, True, wf.EXITED, [], TODAY, assessment_failures=[])


def test_an_exit_refused_at_the_village_meeting_goes_back_to_poverty_work():
    history, status = run_through("exit", 1, wf.POOR)
    t = wf.check_step("exit", 2, D0 + timedelta(days=10), False, status, history, TODAY)
    assert t.household == {"status": wf.POOR}


def test_fallback_needs_a_reason_and_an_exited_household():
    with pytest.raises(DomainError, match="请填写返贫的原因"):
        wf.check_step("fallback", 1, TODAY, True, wf.EXITED, [], TODAY)
    with pytest.raises(DomainError, match="不能开始返贫程序"):
        wf.check_step("fallback", 1, TODAY, True, wf.POOR, [], TODAY, note="因病")
    t = wf.check_step("fallback", 1, TODAY, True, wf.EXITED, [], TODAY, note="因病")
    assert t.household == {"status": wf.FALLEN_BACK}
    # back in 未脱贫 work: the exit process may start again
    assert [a.process for a in wf.next_actions(wf.FALLEN_BACK, [])] == ["exit", "cancel", "monitor"]


def test_cancel_takes_three_steps_to_a_tombstone_status():
    _, status = run_through("cancel", 3, wf.EXITED)
    assert status == wf.CANCELLED


def test_next_actions_and_timeline():
    history, status = run_through("identify", 5, None)
    actions = wf.next_actions(status, history)
    assert [(a.process, a.step) for a in actions] == [("identify", 6)]  # no other process meanwhile
    assert actions[0].not_before == history[-1].step_date + timedelta(days=7)
    line = wf.timeline(history)
    assert [e.step for e in line] == [1, 2, 3, 4, 5] and line[4].result == "无异议"
    assert line[0].process_title == "新识别" and line[0].step_name == "农户申请"


def test_unknown_process_and_step():
    with pytest.raises(DomainError, match="未知的程序"):
        wf.process("nope")
    with pytest.raises(DomainError, match="没有第9步"):
        wf.check_step("exit", 9, TODAY, True, wf.POOR, [], TODAY)
