"""Redaction suggestions: each kind of detail, the traps, redact(), and the measured figures."""

from __future__ import annotations

from datetime import date

import pytest

from learning.redaction import KINDS, PLACEHOLDERS, Span, find, nhs_number_valid, redact
from tests.learning.redaction_cases import CASES, TODAY

# Measured with bench/redaction_bench.py on tests/learning/redaction_cases.py (exact spans);
# the test allows a small margin so that only a real regression fails it.
MEASURED_RECALL = 0.934
MEASURED_PRECISION = 0.986
MARGIN = 0.02


def marks(text: str) -> list[tuple[str, str]]:
    return [(span.kind, span.text) for span in find(text, today=TODAY)]


@pytest.mark.parametrize("digits", ["9434765919", "9999069584", "9994205552", "9995255944"])
def test_nhs_checksum_accepts_valid_numbers(digits: str) -> None:
    assert nhs_number_valid(digits)


@pytest.mark.parametrize("digits", ["9434765918", "4829301756", "1234567890", "943476591",
                                    "94347659190", "94347659x9"])
def test_nhs_checksum_refuses_wrong_numbers(digits: str) -> None:
    assert not nhs_number_valid(digits)


def test_nhs_check_digit_of_ten_is_never_valid() -> None:
    # 1*10 + 1*2 = 12, and 11 - 12 % 11 == 10: no tenth digit can be right.
    assert not any(nhs_number_valid(f"100000001{last}") for last in "0123456789")


def test_nhs_numbers_in_three_spacings() -> None:
    assert marks("NHS 943 476 5919, 943-476-5919 or 9434765919.") == [
        ("nhs_number", "943 476 5919"), ("nhs_number", "943-476-5919"),
        ("nhs_number", "9434765919")]


def test_ten_digits_failing_the_check_are_not_an_nhs_number() -> None:
    assert marks("Pharmacy batch 4829301756 was recalled.") == []
    assert marks("Ring 943 476 5918 is not an NHS number.") == []


def test_phone_numbers_written_the_british_way() -> None:
    assert marks("Ring 07700 900123, (0113) 496 0123 or +44 20 7946 0958 today.") == [
        ("phone", "07700 900123"), ("phone", "(0113) 496 0123"), ("phone", "+44 20 7946 0958")]


def test_times_doses_and_counts_are_not_phone_numbers() -> None:
    assert marks("Gave 2 Paracetamol 500mg at 14:00, BP 140/90, the 10:30 round, ring 999.") == []


def test_dates_of_birth_with_a_cue_even_when_recent() -> None:
    assert marks("Kayden (D.O.B. 09.06.12) and Harrison, DOB 14/02/2017.") == [
        ("name", "Kayden"), ("date_of_birth", "09.06.12"), ("name", "Harrison"),
        ("date_of_birth", "14/02/2017")]
    assert marks("She was born on the 12th of March 1941.") == [
        ("date_of_birth", "12th of March 1941")]


def test_old_dates_are_birth_dates_and_recent_ones_are_the_incident() -> None:
    assert marks("On 03/11/2026 we found that 22 September 1936 was on the wrong form.") == [
        ("date_of_birth", "22 September 1936")]
    assert marks("The fall on 3 May 2026 was the second since 1 May 2026.") == []


def test_old_dates_are_judged_against_today() -> None:
    text = "Admitted 12/03/2008."
    assert find(text, today=date(2026, 11, 22))[0].kind == "date_of_birth"
    assert find(text, today=date(2009, 1, 1)) == []


def test_addresses_with_town_and_postcode_joined() -> None:
    assert marks("Visit to 14 Elm Road, Leeds LS6 2AB at 10:00.") == [
        ("address", "14 Elm Road, Leeds LS6 2AB")]
    assert marks("Post it to CF10 1EP and to 3 St Mary's Close.") == [
        ("address", "CF10 1EP"), ("address", "3 St Mary's Close")]


def test_rooms_flats_and_streets_without_a_number_are_not_addresses() -> None:
    assert marks("Room 12 Garden View, Flat 3 Elm Court and the bus stop on Church Street.") == []


def test_names_after_titles_with_initials_and_possessives() -> None:
    assert marks("Mrs Jones got Mr. A. Smith's tablets; Nurse Adams and Dr Green saw.") == [
        ("name", "Mrs Jones"), ("name", "Mr. A. Smith"), ("name", "Nurse Adams"),
        ("name", "Dr Green")]


def test_first_names_with_surnames_and_bare_possessives() -> None:
    assert marks("Siobhan O'Neill and Chloe checked Okonkwo's chart.") == [
        ("name", "Siobhan O'Neill"), ("name", "Chloe"), ("name", "Okonkwo")]


def test_care_words_are_not_names() -> None:
    assert marks("Nurse said the GP's Warfarin letter for the Lounge came on Monday; "
                 "Mum's MAR was fine.") == []


def test_names_that_are_also_words_need_evidence() -> None:
    assert marks("Rose Lane day centre rang. In May it broke. Mark the chart.") == []
    assert marks("Rose fell. May said so. Will Turner signed.") == [
        ("name", "Rose"), ("name", "May"), ("name", "Will Turner")]


def test_every_kind_has_a_bracketed_placeholder() -> None:
    assert set(PLACEHOLDERS) == set(KINDS)
    assert all(p.startswith("[") and p.endswith("]") for p in PLACEHOLDERS.values())


def test_redact_replaces_every_span_and_keeps_the_rest() -> None:
    text = "Mr Patel, DOB 12/03/1941, of 3 Station Road, ring 07700 900123, NHS 943 476 5919."
    assert redact(text, find(text, today=TODAY)) == (
        "[name], DOB [date of birth], of [address], ring [phone], NHS [NHS number].")


def test_redact_translates_placeholders() -> None:
    text = "Mrs Jones fell."
    welsh = {"[name]": "[enw]"}
    assert redact(text, find(text, today=TODAY), welsh.__getitem__) == "[enw] fell."


def test_redact_merges_overlapping_spans_so_nothing_leaks() -> None:
    text = "Mrs Jones Smith"
    spans = [Span(0, 9, "name", "Mrs Jones"), Span(4, 15, "name", "Jones Smith")]
    assert redact(text, spans) == "[name]"
    assert redact(text, []) == text


def test_find_returns_sorted_spans_that_never_overlap() -> None:
    for case in CASES:
        spans = find(case.text, today=TODAY)
        assert spans == sorted(spans, key=lambda span: span.start)
        assert all(a.end <= b.start for a, b in zip(spans, spans[1:], strict=False))
        assert all(case.text[span.start:span.end] == span.text for span in spans)


def test_the_test_set_is_big_enough() -> None:
    assert len(CASES) >= 40
    assert {kind for case in CASES for kind, _ in case.expected} == set(KINDS)
    assert sum(not case.expected for case in CASES) >= 8  # sentences with nothing to redact


def test_recall_and_precision_on_the_test_set_do_not_regress() -> None:
    expected = {(index, span) for index, case in enumerate(CASES) for span in case.spans()}
    found = {(index, span) for index, case in enumerate(CASES)
             for span in find(case.text, today=TODAY)}
    hits = len(expected & found)
    assert hits / len(expected) >= MEASURED_RECALL - MARGIN
    assert hits / len(found) >= MEASURED_PRECISION - MARGIN
