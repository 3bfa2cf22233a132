"""The report flow as a pure function, judging answers: typed ones parsed, bad or forged
input refused with a reason and nothing lost, stored answers checked again at submit, a harm
answer escalating once."""

from __future__ import annotations

from datetime import datetime

import pytest

from conversations import Context, Draft, Field, Msg, OtherInput, Resume, advance
from tests.conversations.walk import CTX, NOW, Walk


def test_typed_answers_are_parsed() -> None:
    walk = Walk()
    walk.type("21/11")
    walk.type("2:30pm")
    walk.type("Laundry room")
    assert walk.draft.answers["date"] == "2026-11-21"
    assert walk.draft.answers["time"] == {"at": "14:30", "period": "afternoon"}
    assert walk.draft.answers["place"] == "Laundry room"
    assert walk.draft.step == "category"


@pytest.mark.parametrize("code", ["c99", "edit:nonsense", "zzz", "c-1", "keep", "done"])
def test_forged_buttons_change_nothing(code: str) -> None:
    walk = Walk(harm=None)
    before = walk.draft
    walk.press(code)
    assert walk.draft == before
    assert walk.notice() is not None


def test_a_button_from_an_earlier_question_is_refused() -> None:
    walk = Walk()
    walk.tap("Today")
    walk.press("c0", step="date")
    assert walk.draft.step == "time" and "date" in walk.draft.answers
    assert walk.notice() == ("That button belongs to an earlier question. "
                             "Here is where we are now.")


def test_stickers_and_photos_get_a_polite_reprompt() -> None:
    walk = Walk()
    walk.result = advance(walk.draft, OtherInput("sticker"), CTX)
    assert walk.draft.step == "date"
    assert "only read text" in (walk.notice() or "")


def test_who_was_told_toggles_and_nobody_stands_alone() -> None:
    walk = Walk()
    for label in ("Today", "Morning", "Lounge", "Medication"):
        walk.tap(label)
    walk.type("Wrong tablets nearly given")
    walk.type("Checked the chart")
    walk.tap("Skip")
    walk.tap("Done")
    assert walk.notice() == "Please tap at least one, or Nobody yet."
    result = walk.tap("Nurse")
    assert result.in_place
    walk.tap("GP")
    walk.tap("Nurse")
    assert walk.draft.answers["told"] == ["gp"]
    assert [b.selected for b in walk.prompt.rows[1]] == [False, True]  # Nurse, GP
    walk.type("the GP")
    assert walk.notice() == "Please tap the buttons, then Done."
    walk.tap("Nobody yet")
    assert walk.draft.answers["told"] == ["nobody"]
    assert walk.draft.step == "suggestions"


def test_a_part_of_the_day_still_to_come_is_refused() -> None:
    walk = Walk(Context(now=datetime(2026, 11, 22, 10, 0), places=()))
    walk.tap("Today")
    walk.tap("Evening")
    assert walk.draft.step == "time"
    assert walk.notice() == "That time is later than now. Please give the time it happened."
    walk.type("9:15")
    assert walk.draft.answers["time"] == {"at": "09:15", "period": "morning"}


def test_submit_rechecks_a_date_changed_to_today() -> None:
    walk = Walk(Context(now=datetime(2026, 11, 22, 10, 0), places=("Lounge",)))
    walk.tap("Yesterday")
    walk.type("23:30")
    for label in ("Lounge", "Medication"):
        walk.tap(label)
    walk.type("Wrong tablets nearly given")
    walk.type("Checked the chart")
    walk.tap("Skip")
    walk.tap("Nobody yet")
    walk.tap("Skip")
    walk.tap("Anonymous")
    walk.tap("Date")
    walk.tap("Today")
    result = walk.tap("Submit report")
    assert result.outcome is None
    assert walk.draft.step == "time"
    assert "later than now" in (walk.notice() or "")


def test_without_places_the_worker_types_one() -> None:
    walk = Walk(Context(now=NOW, places=()))
    walk.tap("Today")
    walk.tap("Morning")
    assert walk.prompt.lines[1] == Msg("Where did it happen? Please type the place.")
    assert [b.code for row in walk.prompt.rows for b in row] == ["back", "cancel"]
    walk.type("🏠")
    assert walk.notice() == "Please answer in words, so a reviewer can understand it."


@pytest.mark.parametrize(("label", "flags"), [
    ("Yes, someone was hurt or harmed", {"harmed": True, "safeguarding": False}),
    ("Yes, I have a safeguarding concern", {"harmed": False, "safeguarding": True}),
    ("Yes, both", {"harmed": True, "safeguarding": True}),
])
def test_a_yes_escalates_the_draft_once(label: str, flags: dict[str, bool]) -> None:
    walk = Walk(harm=None)
    result = walk.tap(label)
    assert result.escalate and walk.draft.escalated
    assert walk.draft.answers["harm"] == flags
    assert walk.draft.step == "date"  # the flow goes on: the report is still wanted
    walk.tap("Back")
    assert Field(Msg("Your answer so far"), Msg(label)) in walk.prompt.lines
    assert not walk.tap("Keep this answer").escalate
    walk.tap("Back")
    assert not walk.tap("Yes, both").escalate  # already escalated: contacts told once
    assert walk.draft.answers["harm"] == {"harmed": True, "safeguarding": True}


def test_a_double_tap_on_the_harm_question_escalates_once() -> None:
    walk = Walk(harm=None)
    assert walk.tap("Yes, someone was hurt or harmed").escalate
    again = walk.press("c1", step="harm")  # the same button, tapped again
    assert not again.escalate and walk.draft.step == "date"
    assert walk.notice() == ("That button belongs to an earlier question. "
                             "Here is where we are now.")


def test_a_draft_from_before_the_new_questions_asks_them_at_submit() -> None:
    walk = Walk()
    walk.to_review()
    answers = {k: v for k, v in walk.draft.answers.items()
               if k not in ("harm", "confidentiality")}
    walk.result = advance(Draft.from_dict({**walk.draft.to_dict(), "answers": answers}),
                          Resume(), CTX)
    walk.tap("Submit report")
    assert walk.draft.step == "harm"
    assert walk.notice() == "This question still needs an answer."
    assert walk.tap("Yes, someone was hurt or harmed").escalate
    walk.tap("Submit report")
    assert walk.draft.step == "confidentiality"
    walk.tap("Named")
    assert walk.tap("Submit report").outcome == "submitted"


@pytest.mark.parametrize(("step", "value"), [("confidentiality", "public"), ("harm", "yes")])
def test_a_forged_stored_answer_is_asked_again(step: str, value: str) -> None:
    walk = Walk()
    walk.to_review()
    forged = {**walk.draft.to_dict(), "answers": {**walk.draft.answers, step: value}}
    walk.result = advance(Draft.from_dict(forged), Resume(), CTX)
    result = walk.tap("Submit report")
    assert result.outcome is None and walk.draft.step == step
