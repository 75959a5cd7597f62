"""The business case task list's statuses, computed from the stored content, and when a draft may be
submitted; a draft saved a section at a time may lack what is not written yet."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from changeauth.domain.appraisal import OptionFigures, YearFigures
from changeauth.domain.business_cases import (
    CaseContent,
    FundingLine,
    Section,
    SectionStatus,
    ready_to_submit,
    section_states,
    validate_content,
)

BAU = OptionFigures("Business as usual", True, (YearFigures(0),))
ONLINE = OptionFigures(
    "Online booking", False, (YearFigures(0, capital_pence=100), YearFigures(1, cashable_benefit_pence=500))
)
EMPTY = CaseContent(kind="outline", options=(), preferred_option=None)
WHOLE = CaseContent(
    kind="outline",
    options=(BAU, ONLINE),
    preferred_option="online booking",
    strategic_fit="Moves bookings online.",
    priority_codes=("excellent_customer_service",),
    preferred_reasons="Pays back soon.",
    risks="Slow take-up.",
    reform_risk="A successor council keeps it.",
    procurement_route="In house.",
    funding=(FundingLine(2025, capital_pence=100, source="Waste budget"),),
    delivery_arrangements="The waste team.",
    benefits_realisation="The waste manager measures bookings monthly.",
)


def _statuses(content: CaseContent | None) -> list[tuple[Section, SectionStatus]]:
    return [(state.section, state.status) for state in section_states(content)]


def test_nothing_saved_is_nothing_started() -> None:
    assert _statuses(None) == [
        (Section.STRATEGIC, SectionStatus.NOT_STARTED),
        (Section.APPRAISAL, SectionStatus.NOT_STARTED),
        (Section.COMMERCIAL, SectionStatus.NOT_STARTED),
        (Section.FINANCIAL, SectionStatus.NOT_STARTED),
        (Section.MANAGEMENT, SectionStatus.NOT_STARTED),
        (Section.RISKS, SectionStatus.NOT_STARTED),
    ]
    assert _statuses(EMPTY) == _statuses(None)
    assert not ready_to_submit(None) and not ready_to_submit(EMPTY)


def test_a_section_is_in_progress_until_everything_it_asks_for_is_there() -> None:
    partly = replace(EMPTY, strategic_fit="Moves bookings online.", risks="Slow take-up.")
    assert _statuses(partly) == [
        (Section.STRATEGIC, SectionStatus.IN_PROGRESS),
        (Section.APPRAISAL, SectionStatus.NOT_STARTED),
        (Section.COMMERCIAL, SectionStatus.NOT_STARTED),
        (Section.FINANCIAL, SectionStatus.NOT_STARTED),
        (Section.MANAGEMENT, SectionStatus.NOT_STARTED),
        (Section.RISKS, SectionStatus.IN_PROGRESS),
    ]
    # Whitespace is not writing.
    assert section_states(replace(EMPTY, strategic_fit="  \n"))[0].status is SectionStatus.NOT_STARTED


def test_each_option_is_a_section_of_its_own() -> None:
    named_only = OptionFigures("Shared service", False, ())
    states = section_states(replace(WHOLE, options=(BAU, named_only)))
    options = [(s.title, s.status, s.option_number) for s in states if s.section is Section.OPTION]
    assert options == [
        ("Option 1: Business as usual", SectionStatus.COMPLETED, 1),
        ("Option 2: Shared service", SectionStatus.IN_PROGRESS, 2),
    ]


def test_a_whole_case_is_completed_and_may_be_submitted() -> None:
    assert {state.status for state in section_states(WHOLE)} == {SectionStatus.COMPLETED}
    assert all(
        state.status.is_completed and not state.status.is_not_started for state in section_states(WHOLE)
    )
    assert ready_to_submit(WHOLE)
    assert not ready_to_submit(replace(WHOLE, reform_risk=""))
    assert not ready_to_submit(replace(WHOLE, preferred_option=None))
    assert [status.label for status in SectionStatus] == ["Not started", "In progress", "Completed"]


def test_a_draft_may_lack_what_is_not_written_yet_but_not_be_wrong() -> None:
    unfinished = replace(EMPTY, options=(OptionFigures("Shared service", False, ()),))
    assert validate_content(unfinished, complete=False) == {}
    assert set(validate_content(unfinished)) == {"options.0.years", "preferred_option"}
    assert validate_content(EMPTY, complete=False) == {}
    clash = replace(EMPTY, options=(BAU, replace(BAU, name="business  AS usual")))
    assert "options.1.name" in validate_content(clash, complete=False)
    assert "preferred_option" in validate_content(replace(WHOLE, preferred_option="Nothing"), complete=False)


def _status_of(content: CaseContent, section: Section) -> SectionStatus:
    return next(state.status for state in section_states(content) if state.section is section)


def test_optimism_bias_above_zero_needs_its_justification() -> None:
    biased = replace(WHOLE, benefits_bias_pct=Decimal(10))
    assert _status_of(biased, Section.APPRAISAL) is SectionStatus.IN_PROGRESS
    assert not ready_to_submit(biased)
    justified = replace(biased, optimism_bias_justification="The Green Book's lower bound: a standard form.")
    assert _status_of(justified, Section.APPRAISAL) is SectionStatus.COMPLETED
    assert ready_to_submit(justified)


def test_an_outline_case_has_all_five_cases_and_a_full_case_more_detail() -> None:
    # Outline: the route alone completes the commercial case, who delivers and benefits realisation the
    # management case. A full case also needs the contract, risk transfer, milestones and evaluation.
    assert ready_to_submit(WHOLE)
    full = replace(WHOLE, kind="full")
    assert _status_of(full, Section.COMMERCIAL) is SectionStatus.IN_PROGRESS
    assert _status_of(full, Section.MANAGEMENT) is SectionStatus.IN_PROGRESS
    assert not ready_to_submit(full)
    detailed = replace(
        full,
        contract_terms="None needed.",
        risk_transfer="None.",
        milestones="Live in June.",
        evaluation="A review.",
    )
    assert ready_to_submit(detailed)
    for missing in ("procurement_route", "delivery_arrangements", "benefits_realisation"):
        assert not ready_to_submit(replace(WHOLE, **{missing: ""}))
    assert not ready_to_submit(replace(WHOLE, funding=()))
    assert _status_of(replace(WHOLE, funding=()), Section.FINANCIAL) is SectionStatus.NOT_STARTED
    # The optional box starts a section without completing it.
    noted = replace(WHOLE, procurement_route="", commercial_notes="Talk to procurement.")
    assert _status_of(noted, Section.COMMERCIAL) is SectionStatus.IN_PROGRESS
