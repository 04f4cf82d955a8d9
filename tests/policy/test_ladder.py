"""Tests for vpabot.policy.ladder: which step a new violation is, and who must be involved.

Rules (DOMAIN.md): 1 Erinnerung, 2 Ermahnung (manager informed), 3 Abmahnung and 4 Ausschluss
(manager must approve), severe cases skip the ladder and always need the manager. The step is
1 + earlier violations that still count; rejected and withdrawn ones never count, expired ones
only stop counting when an expiry is configured.
"""

from __future__ import annotations

from datetime import date

import pytest

from vpabot.policy.errors import PolicyError
from vpabot.policy.ladder import (
    AssistantStatus,
    LadderStep,
    PastViolation,
    ViolationDecision,
    ViolationState,
    NOT_COUNTING,
    counting_since,
    counts,
    decide_step,
)

TODAY = date(2026, 11, 26)
LAST_MONTH = date(2026, 10, 26)
TWELVE_MONTHS_AGO = date(2025, 11, 26)
TWELVE_MONTHS_MINUS_A_DAY_AGO = date(2025, 11, 27)

RECORDED = ViolationState.RECORDED
AWAITING = ViolationState.AWAITING_APPROVAL
APPROVED = ViolationState.APPROVED
REJECTED = ViolationState.REJECTED
WITHDRAWN = ViolationState.WITHDRAWN


def past(state: ViolationState = RECORDED, on: date = LAST_MONTH) -> PastViolation:
    return PastViolation(logged_on=on, state=state)


def recorded(n: int) -> list[PastViolation]:
    return [past() for _ in range(n)]


def counted(history: list[PastViolation], *, expiry_months: int | None = None) -> int:
    """What production counts: the rows ``repositories.count_counting_violations`` selects
    (state not rejected/withdrawn, logged after the ``counting_since`` cut-off)."""
    since = counting_since(today=TODAY, expiry_months=expiry_months)
    return sum(1 for v in history if v.state not in NOT_COUNTING and (since is None or v.logged_on > since))


def decide(
    history: list[PastViolation],
    *,
    severe: bool = False,
    status: AssistantStatus = AssistantStatus.ACTIVE,
    expiry_months: int | None = None,
) -> ViolationDecision:
    """The decision as ``services.violations.log_violation`` makes it."""
    return decide_step(status=status, earlier=counted(history, expiry_months=expiry_months), severe=severe)


# --- the step climbs with earlier violations and stops at 4 --------------------------------


@pytest.mark.parametrize(
    ("earlier", "expected"),
    [
        pytest.param(0, LadderStep.REMINDER, id="1st violation is an Erinnerung"),
        pytest.param(1, LadderStep.ERMAHNUNG, id="2nd violation is an Ermahnung"),
        pytest.param(2, LadderStep.ABMAHNUNG, id="3rd violation is an Abmahnung"),
        pytest.param(3, LadderStep.EXCLUSION, id="4th violation is an Ausschluss"),
        pytest.param(4, LadderStep.EXCLUSION, id="5th violation stays at step 4"),
        pytest.param(8, LadderStep.EXCLUSION, id="9th violation stays at step 4"),
    ],
)
def test_step_is_one_plus_earlier_violations_capped_at_4(
    earlier: int, expected: LadderStep
) -> None:
    decision = decide(recorded(earlier))
    assert decision.step is expected
    assert int(decision.step) == min(earlier + 1, 4)
    assert decision.severe is False


def test_step_values_match_the_german_ladder() -> None:
    assert [int(s) for s in LadderStep] == [1, 2, 3, 4]
    assert LadderStep.REMINDER == 1
    assert LadderStep.ERMAHNUNG == 2
    assert LadderStep.ABMAHNUNG == 3
    assert LadderStep.EXCLUSION == 4


# --- which earlier violations count --------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "counted"),
    [
        pytest.param(RECORDED, True, id="recorded counts"),
        pytest.param(AWAITING, True, id="awaiting_approval counts"),
        pytest.param(APPROVED, True, id="approved counts"),
        pytest.param(REJECTED, False, id="rejected (nicht freigegeben) does not count"),
        pytest.param(WITHDRAWN, False, id="withdrawn does not count"),
    ],
)
def test_which_states_count(state: ViolationState, counted: bool) -> None:
    assert counts(past(state), today=TODAY, expiry_months=None) is counted
    expected_step = LadderStep.ERMAHNUNG if counted else LadderStep.REMINDER
    assert decide([past(state)]).step is expected_step


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        pytest.param(
            [past(REJECTED), past(WITHDRAWN), past(REJECTED)],
            LadderStep.REMINDER,
            id="only rejected and withdrawn: still the 1st step",
        ),
        pytest.param(
            [past(RECORDED), past(REJECTED), past(WITHDRAWN)],
            LadderStep.ERMAHNUNG,
            id="one counting among non-counting",
        ),
        pytest.param(
            [past(RECORDED), past(APPROVED), past(REJECTED)],
            LadderStep.ABMAHNUNG,
            id="rejected Abmahnung does not push to exclusion",
        ),
        pytest.param(
            [past(RECORDED), past(RECORDED), past(AWAITING)],
            LadderStep.EXCLUSION,
            id="a pending approval already counts",
        ),
    ],
)
def test_mixed_histories(history: list[PastViolation], expected: LadderStep) -> None:
    assert decide(history).step is expected


# --- expiry --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("logged_on", "expiry_months", "counted"),
    [
        pytest.param(date(2016, 1, 1), None, True, id="unset expiry: ten years old still counts"),
        pytest.param(TWELVE_MONTHS_AGO, None, True, id="unset expiry: twelve months old counts"),
        pytest.param(TWELVE_MONTHS_AGO, 12, False, id="expiry 12: exactly 12 months ago expired"),
        pytest.param(
            TWELVE_MONTHS_MINUS_A_DAY_AGO, 12, True, id="expiry 12: 12 months minus a day counts"
        ),
        pytest.param(LAST_MONTH, 12, True, id="expiry 12: last month counts"),
        pytest.param(date(2020, 6, 1), 12, False, id="expiry 12: years ago expired"),
    ],
)
def test_expiry(logged_on: date, expiry_months: int | None, counted: bool) -> None:
    violation = past(RECORDED, on=logged_on)
    assert counts(violation, today=TODAY, expiry_months=expiry_months) is counted
    decision = decide([violation], expiry_months=expiry_months)
    assert decision.step is (LadderStep.ERMAHNUNG if counted else LadderStep.REMINDER)


def test_expired_violations_do_not_push_the_ladder() -> None:
    history = [
        past(on=date(2024, 3, 1)),
        past(on=date(2024, 9, 1)),
        past(on=TWELVE_MONTHS_AGO),
        past(on=TWELVE_MONTHS_MINUS_A_DAY_AGO),
    ]
    assert decide(history, expiry_months=12).step is LadderStep.ERMAHNUNG
    assert decide(history).step is LadderStep.EXCLUSION  # without expiry all four count


# --- who is involved ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("earlier", "step", "needs_approval", "informs_manager", "state"),
    [
        pytest.param(0, LadderStep.REMINDER, False, False, RECORDED, id="Erinnerung: admin only"),
        pytest.param(
            1, LadderStep.ERMAHNUNG, False, True, RECORDED, id="Ermahnung: manager informed"
        ),
        pytest.param(
            2, LadderStep.ABMAHNUNG, True, True, AWAITING, id="Abmahnung: manager approves"
        ),
        pytest.param(
            3, LadderStep.EXCLUSION, True, True, AWAITING, id="Ausschluss: manager approves"
        ),
        pytest.param(
            6, LadderStep.EXCLUSION, True, True, AWAITING, id="beyond 4: manager approves"
        ),
    ],
)
def test_manager_involvement_per_step(
    earlier: int,
    step: LadderStep,
    needs_approval: bool,
    informs_manager: bool,
    state: ViolationState,
) -> None:
    decision = decide(recorded(earlier))
    assert decision == ViolationDecision(
        step=step, severe=False, needs_approval=needs_approval, informs_manager=informs_manager
    )
    assert decision.state is state


@pytest.mark.parametrize(
    "history",
    [
        pytest.param([], id="clean file"),
        pytest.param(recorded(1), id="after one violation"),
        pytest.param(recorded(3), id="after three violations"),
        pytest.param(recorded(8), id="after eight violations"),
        pytest.param([past(REJECTED), past(WITHDRAWN)], id="only non-counting history"),
    ],
)
def test_severe_skips_the_ladder_and_always_goes_to_the_manager(
    history: list[PastViolation],
) -> None:
    decision = decide(history, severe=True)
    assert decision.step is None
    assert decision.severe is True
    assert decision.needs_approval is True
    assert decision.informs_manager is True
    assert decision.state is AWAITING


@pytest.mark.parametrize(
    ("needs_approval", "state"),
    [
        pytest.param(True, AWAITING, id="needs approval -> awaiting_approval"),
        pytest.param(False, RECORDED, id="no approval -> recorded"),
    ],
)
def test_decision_state(needs_approval: bool, state: ViolationState) -> None:
    decision = ViolationDecision(
        step=LadderStep.REMINDER, severe=False, needs_approval=needs_approval, informs_manager=False
    )
    assert decision.state is state


# --- assistant status ---------------------------------------------------------------------


@pytest.mark.parametrize("severe", [False, True], ids=["regular", "severe"])
@pytest.mark.parametrize(
    "status",
    [
        pytest.param(AssistantStatus.EXCLUDED, id="ausgeschlossen"),
        pytest.param(AssistantStatus.TERMINATED, id="beendet"),
        # resigned: the collaboration ends anyway, a warning would reach nobody
        pytest.param(AssistantStatus.RESIGNED, id="gekuendigt"),
    ],
)
def test_closed_assistants_cannot_collect_violations(
    status: AssistantStatus, severe: bool
) -> None:
    with pytest.raises(PolicyError) as caught:
        decide([], status=status, severe=severe)
    assert caught.value.code == "assistant_closed"
    assert caught.value.params == {"status": status.value}


@pytest.mark.parametrize(
    "status",
    [
        pytest.param(AssistantStatus.NEW, id="neu"),
        pytest.param(AssistantStatus.ACTIVE, id="aktiv"),
    ],
)
@pytest.mark.parametrize("severe", [False, True], ids=["regular", "severe"])
def test_open_assistants_can_collect_violations(status: AssistantStatus, severe: bool) -> None:
    decision = decide(recorded(1), status=status, severe=severe)
    assert decision.severe is severe
    assert decision.step is (None if severe else LadderStep.ERMAHNUNG)


# --- what the file summary shows (the same count, capped at 4) ----------------------------------------------------


@pytest.mark.parametrize(
    ("history", "expiry_months", "expected"),
    [
        pytest.param([], None, 0, id="clean file shows 0"),
        pytest.param(recorded(1), None, 1, id="one violation"),
        pytest.param([past(RECORDED), past(APPROVED), past(AWAITING)], None, 3, id="three count"),
        pytest.param(
            [past(RECORDED), past(REJECTED), past(WITHDRAWN)], None, 1, id="non-counting ignored"
        ),
        pytest.param(recorded(4), None, 4, id="four of four"),
        pytest.param(recorded(7), None, 4, id="capped at four"),
        pytest.param(
            [past(on=TWELVE_MONTHS_AGO), past(on=TWELVE_MONTHS_MINUS_A_DAY_AGO)],
            12,
            1,
            id="expired one not shown",
        ),
        pytest.param(
            [past(on=TWELVE_MONTHS_AGO), past(on=TWELVE_MONTHS_MINUS_A_DAY_AGO)],
            None,
            2,
            id="no expiry: both shown",
        ),
    ],
)
def test_current_step(
    history: list[PastViolation], expiry_months: int | None, expected: int
) -> None:
    assert min(counted(history, expiry_months=expiry_months), 4) == expected


@pytest.mark.parametrize("earlier", range(0, 6))
def test_file_summary_agrees_with_the_next_step(earlier: int) -> None:
    """The next violation's step is one above what the file shows (until the cap)."""
    history = recorded(earlier)
    shown = min(counted(history), 4)
    assert int(decide(history).step) == min(shown + 1, 4)


# --- the cut-off a database filters on agrees with `counts` ---------------------------------


@pytest.mark.parametrize("months", [1, 3, 6, 12])
@pytest.mark.parametrize(
    "today",
    [date(2026, 11, 26), date(2027, 2, 28), date(2028, 2, 29), date(2026, 3, 31), date(2026, 5, 31)],
)
def test_counting_since_is_the_same_rule_as_counts(months: int, today: date) -> None:
    from datetime import timedelta

    from vpabot.policy.ladder import counting_since

    cutoff = counting_since(today=today, expiry_months=months)
    assert cutoff is not None
    for offset in range(0, 500):
        logged = today - timedelta(days=offset)
        past = PastViolation(logged_on=logged, state=ViolationState.RECORDED)
        assert counts(past, today=today, expiry_months=months) == (logged > cutoff), logged


def test_counting_since_without_expiry_counts_everything() -> None:
    from vpabot.policy.ladder import counting_since

    assert counting_since(today=date(2026, 11, 26), expiry_months=None) is None
