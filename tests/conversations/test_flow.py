"""The report flow as a pure function: every step, back, skip, edit, cancel, bad input."""

from __future__ import annotations

import json
from datetime import date, datetime, time

import pytest

from conversations import (
    REVIEW,
    STEPS,
    ButtonInput,
    Context,
    Draft,
    Field,
    Msg,
    OtherInput,
    Result,
    Resume,
    TextInput,
    advance,
    collect,
    start,
)
from conversations.prompts import Prompt

NOW = datetime(2026, 11, 22, 15, 0)
CTX = Context(now=NOW, places=("Lounge", "Kitchen", "Garden"))


class Walk:
    """Drives the flow like a person, keeping the latest draft and prompt."""

    def __init__(self, ctx: Context = CTX) -> None:
        self.ctx = ctx
        self.result = start(ctx)

    @property
    def draft(self) -> Draft:
        assert self.result.draft is not None
        return self.result.draft

    @property
    def prompt(self) -> Prompt:
        assert self.result.prompt is not None
        return self.result.prompt

    def tap(self, label: str) -> Result:
        for row in self.prompt.rows:
            for button in row:
                shown = button.label if isinstance(button.label, str) else button.label.msgid
                if shown == label or (isinstance(button.label, Msg)
                                      and button.label.params.get("field") == Msg(label)):
                    return self.press(button.code)
        raise AssertionError(f"no button {label!r} on {self.prompt.step}")

    def press(self, code: str, step: str | None = None) -> Result:
        self.result = advance(self.draft, ButtonInput(step or self.draft.step, code), self.ctx)
        return self.result

    def type(self, text: str) -> Result:
        self.result = advance(self.draft, TextInput(text), self.ctx)
        return self.result

    def notice(self) -> str | None:
        return self.prompt.notice.msgid if self.prompt.notice else None

    def to_review(self) -> None:
        self.tap("Today")
        self.tap("Afternoon")
        self.tap("Lounge")
        self.tap("Medication")
        self.type("Wrong tablets nearly given to a resident")
        self.type("Second staff check caught it")
        self.tap("Skip")
        self.tap("Manager / team lead")
        self.tap("Done")
        self.tap("Skip")
        assert self.draft.step == REVIEW


def test_a_full_report_collects_every_answer() -> None:
    walk = Walk()
    walk.to_review()
    result = walk.tap("Submit report")
    assert result.outcome == "submitted"
    answers = collect(walk.draft.key, walk.draft.answers)
    assert answers.occurred_date == date(2026, 11, 22)
    assert (answers.occurred_time, answers.time_of_day) == (None, "afternoon")
    assert (answers.place, answers.category) == ("Lounge", "medication")
    assert answers.what_happened == "Wrong tablets nearly given to a resident"
    assert answers.how_prevented == "Second staff check caught it"
    assert (answers.immediate_action, answers.suggestions) == (None, None)
    assert answers.told == ("manager",)


def test_each_question_says_where_the_worker_is() -> None:
    walk = Walk()
    first = walk.prompt.lines[0]
    assert first == Msg("Question {number} of {total}", {"number": 1, "total": len(STEPS)})
    assert all(button.code != "back" for row in walk.prompt.rows for button in row)


def test_typed_answers_are_parsed() -> None:
    walk = Walk()
    walk.type("21/11")
    walk.type("2:30pm")
    walk.type("Laundry room")
    assert walk.draft.answers["date"] == "2026-11-21"
    assert walk.draft.answers["time"] == {"at": "14:30", "period": "afternoon"}
    assert walk.draft.answers["place"] == "Laundry room"
    assert walk.draft.step == "category"


def test_back_shows_the_answer_kept_and_keep_moves_on() -> None:
    walk = Walk()
    walk.tap("Today")
    walk.tap("Morning")
    walk.tap("Back")
    assert walk.draft.step == "time"
    assert Field(Msg("Your answer so far"), Msg("Morning")) in walk.prompt.lines
    walk.tap("Keep this answer")
    assert walk.draft.step == "place"
    assert walk.draft.answers["time"]["period"] == "morning"


def test_skip_only_where_a_question_is_optional() -> None:
    walk = Walk()
    walk.press("skip")
    assert walk.draft.step == "date"
    assert walk.notice() == "That button is no longer available. Please choose again."


def test_edit_from_the_summary_comes_back_to_the_summary() -> None:
    walk = Walk()
    walk.to_review()
    walk.tap("Place")
    assert walk.draft.step == "place"
    walk.tap("Kitchen")
    assert walk.draft.step == REVIEW
    assert walk.draft.answers["place"] == "Kitchen"
    walk.tap("Suggestions")
    walk.type("Colour-code the blister packs")
    assert walk.draft.step == REVIEW
    walk.tap("What nearly happened")
    walk.tap("Back")
    assert walk.draft.step == REVIEW
    assert walk.draft.answers["what"] == "Wrong tablets nearly given to a resident"


def test_cancel_asks_first_then_keeps_or_discards() -> None:
    walk = Walk()
    walk.tap("Today")
    walk.tap("Cancel")
    assert walk.draft.step == "cancel"
    walk.type("hello?")
    assert walk.notice() == "Please tap one of the buttons."
    walk.tap("No, keep going")
    assert walk.draft.step == "time"
    assert walk.draft.answers["date"] == "2026-11-22"
    walk.tap("Cancel")
    result = walk.tap("Yes, discard it")
    assert result.outcome == "cancelled" and result.draft is None


@pytest.mark.parametrize("code", ["c99", "edit:nonsense", "zzz", "c-1", "keep", "done"])
def test_forged_buttons_change_nothing(code: str) -> None:
    walk = Walk()
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


def test_the_summary_shortens_long_answers_but_the_draft_keeps_them() -> None:
    walk = Walk()
    long_text = "word " * 700
    walk.tap("Today")
    walk.tap("Morning")
    walk.tap("Lounge")
    walk.tap("Other")
    walk.type(long_text[:2999])
    summary_values = []
    walk.type("ok fine")
    walk.tap("Skip")
    walk.tap("Nobody yet")
    walk.tap("Skip")
    for line in walk.prompt.lines:
        if isinstance(line, Field) and line.label == Msg("What nearly happened"):
            summary_values.append(line.value)
    assert len(summary_values[0]) <= 602 and summary_values[0].endswith("…")
    assert walk.draft.answers["what"] == long_text[:2999].strip()


def test_a_draft_survives_json_and_a_resume() -> None:
    walk = Walk()
    walk.tap("Today")
    walk.tap("Night")
    stored = json.loads(json.dumps(walk.draft.to_dict()))
    again = Draft.from_dict(stored)
    assert again == walk.draft
    resumed = advance(again, Resume(), CTX)
    assert resumed.prompt is not None and resumed.prompt.step == "place"
    assert Draft.from_dict({"step": "nonsense"}).step == "date"


def test_review_answers_read_back() -> None:
    walk = Walk()
    walk.type("yesterday")
    walk.type("14:30")
    walk.tap("Lounge")
    walk.tap("Falls and mobility")
    walk.type("A resident nearly tripped on a rug")
    walk.type("Moved the rug")
    walk.type("Told the handyman")
    walk.tap("Nurse")
    walk.tap("Family")
    walk.tap("Done")
    walk.type("Remove loose rugs")
    values = {line.label.msgid: line.value for line in walk.prompt.lines
              if isinstance(line, Field)}
    assert values["Date"] == date(2026, 11, 21)
    assert values["Time"] == Msg("{time} ({part_of_day})",
                                 {"time": "14:30", "part_of_day": Msg("Afternoon")})
    assert values["Who was told"] == (Msg("Nurse"), Msg("Family"))
    assert values["Immediate action"] == "Told the handyman"
    assert collect(walk.draft.key, walk.draft.answers).occurred_time == time(14, 30)
