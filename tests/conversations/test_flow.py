"""The report flow as a pure function: every step, back, skip, edit, cancel, bad input."""

from __future__ import annotations

import json
from datetime import date, datetime, time

import pytest

from conversations import (
    CATEGORIES,
    CATEGORY_LIST,
    CONFIRM_CANCEL,
    PLACES,
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
    current_prompt,
    is_answer,
    needs,
    start,
)
from conversations.prompts import Prompt

NOW = datetime(2026, 11, 22, 15, 0)
CTX = Context(now=NOW, places=("Lounge", "Kitchen", "Garden"))
NO_HARM = "No, nobody was harmed and I have no concern"


class Walk:
    """Drives the flow like a person, keeping the latest draft and prompt.

    Past the harm question by default (answered "no"), since most tests are about the rest.
    """

    def __init__(self, ctx: Context = CTX, *, harm: str | None = NO_HARM) -> None:
        self.ctx = ctx
        self.result = start(ctx)
        if harm is not None:
            self.tap(harm)

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
        self.tap("Named")
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
    assert (answers.someone_harmed, answers.safeguarding_concern) == (False, False)
    assert answers.confidentiality == "named"
    assert not result.escalate and not walk.draft.escalated


def test_each_question_says_where_the_worker_is() -> None:
    walk = Walk(harm=None)
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
    walk = Walk(harm=None)
    walk.press("skip")
    assert walk.draft.step == "harm"
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
    walk.tap("Confidential")
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
    assert Draft.from_dict({"step": "nonsense"}).step == "harm"


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
    walk.tap("Confidential")
    values = {line.label.msgid: line.value for line in walk.prompt.lines
              if isinstance(line, Field)}
    assert values["Date"] == date(2026, 11, 21)
    assert values["Time"] == Msg("{time} ({part_of_day})",
                                 {"time": "14:30", "part_of_day": Msg("Afternoon")})
    assert values["Who was told"] == (Msg("Nurse"), Msg("Family"))
    assert values["Immediate action"] == "Told the handyman"
    assert values["Harm or safeguarding"] == Msg(NO_HARM)
    assert values["Privacy"] == Msg("Confidential")
    assert collect(walk.draft.key, walk.draft.answers).occurred_time == time(14, 30)


def _codes(prompt: Prompt) -> list[list[str]]:
    return [[button.code for button in row] for row in prompt.rows]


def test_the_harm_question_comes_first_with_one_answer_per_row() -> None:
    walk = Walk(harm=None)
    assert walk.draft.step == "harm"
    assert _codes(walk.prompt) == [["c0"], ["c1"], ["c2"], ["c3"], ["cancel"]]
    walk.type("no")
    assert walk.notice() == "Please tap one of the buttons."
    result = walk.tap(NO_HARM)
    assert not result.escalate and not walk.draft.escalated
    assert walk.draft.answers["harm"] == {"harmed": False, "safeguarding": False}
    assert walk.draft.step == "date"


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


def test_a_yes_given_from_the_summary_escalates_and_returns_to_it() -> None:
    walk = Walk()
    walk.to_review()
    walk.tap("Harm or safeguarding")
    assert walk.draft.step == "harm"
    result = walk.tap("Yes, I have a safeguarding concern")
    assert result.escalate and walk.draft.step == REVIEW
    walk.tap("Harm or safeguarding")
    assert not walk.tap(NO_HARM).escalate
    assert walk.draft.escalated  # nobody can be untold: the draft stays an escalation
    answers = collect(walk.draft.key, walk.draft.answers)
    assert (answers.someone_harmed, answers.safeguarding_concern) == (False, False)


def test_an_escalated_draft_survives_json() -> None:
    walk = Walk(harm="Yes, both")
    again = Draft.from_dict(json.loads(json.dumps(walk.draft.to_dict())))
    assert again == walk.draft and again.escalated


def test_the_privacy_question_is_last_and_explains_each_choice() -> None:
    walk = Walk()
    for label in ("Today", "Morning", "Lounge", "Medication"):
        walk.tap(label)
    walk.type("Wrong tablets nearly given")
    walk.type("Checked the chart")
    walk.tap("Skip")
    walk.tap("Nobody yet")
    walk.tap("Skip")
    assert walk.draft.step == "confidentiality"
    question = walk.prompt.lines[1]
    assert isinstance(question, Msg)
    for word in ("Named:", "Confidential:", "Anonymous:", "only administrators"):
        assert word in question.msgid
    assert _codes(walk.prompt) == [["c0"], ["c1"], ["c2"], ["back", "cancel"]]
    walk.tap("Back")
    assert walk.draft.step == "suggestions"
    walk.tap("Skip")
    walk.tap("Anonymous")
    assert walk.draft.step == REVIEW
    walk.tap("Back")
    assert walk.draft.step == "confidentiality"
    walk.tap("Keep this answer")
    walk.tap("Privacy")
    walk.tap("Confidential")
    assert walk.draft.step == REVIEW
    assert walk.tap("Submit report").outcome == "submitted"
    assert collect(walk.draft.key, walk.draft.answers).confidentiality == "confidential"


def test_the_summary_shows_and_changes_both_new_answers() -> None:
    walk = Walk()
    walk.to_review()
    fields = {line.label.msgid: line.value for line in walk.prompt.lines
              if isinstance(line, Field)}
    assert fields["Harm or safeguarding"] == Msg(NO_HARM)
    assert fields["Privacy"] == Msg("Named")
    edits = {button.code for row in walk.prompt.rows for button in row}
    assert {"edit:harm", "edit:confidentiality"} <= edits


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


def test_an_incident_is_asked_what_happened_not_what_nearly_happened() -> None:
    ids = [step.id for step in STEPS]
    for harm, incident in (({"harmed": False, "safeguarding": False}, False),
                           ({"harmed": True, "safeguarding": False}, True),
                           ({"harmed": False, "safeguarding": True}, True)):
        draft = Draft(key="k", step="prevented", answers={"harm": harm})
        text = " ".join(line.msgid for line in current_prompt(draft, CTX).lines
                        if isinstance(line, Msg))
        assert ("What stopped it from being worse" in text) is incident
        assert ("How was it prevented?" in text) is not incident
    assert ids.index("harm") < ids.index("category") < ids.index("what") < ids.index("prevented")


def _every_draft(ctx: Context) -> list[Draft]:
    """A draft at every question on the way to the summary, at every question changed from
    it, at the summary, and at the cancel check from there and from a question."""
    walk = Walk(ctx, harm=None)
    drafts = [walk.draft]
    walk.tap(NO_HARM)
    for label in ("Today", "Afternoon", "Lounge", "Medication"):
        drafts.append(walk.draft)
        walk.tap(label)
    for text in ("Wrong tablets nearly given to a resident", "Second staff check caught it"):
        drafts.append(walk.draft)
        walk.type(text)
    for label in ("Skip", "Manager / team lead", "Done", "Skip", "Named"):
        if label != "Done":
            drafts.append(walk.draft)
        walk.tap(label)
    review = walk.draft
    drafts.append(review)
    for step in STEPS:
        walk.result = advance(review, ButtonInput(REVIEW, f"edit:{step.id}"), ctx)
        drafts.append(walk.draft)
        drafts.append(advance(walk.draft, ButtonInput(step.id, "cancel"), ctx).draft)
    drafts.append(advance(review, ButtonInput(REVIEW, "cancel"), ctx).draft)
    assert {draft.step for draft in drafts} == {s.id for s in STEPS} | {REVIEW, CONFIRM_CANCEL}
    return [draft for draft in drafts if draft is not None]


def test_advance_reads_only_what_the_question_and_the_next_one_need() -> None:
    """bot/ reads the places and categories only as needs() says, for the draft's question
    first, and again for the question the result moves to (Turn.advance). Every event from
    every draft must then give what it gives with everything read (empty ones would show the
    typed place question and the built-in categories instead)."""
    full = Context(now=NOW, places=("Lounge", "Kitchen", "Garden"),
                   categories=(*CATEGORIES, ("lifting", "Lifting and handling")))

    def part(need: frozenset[str]) -> Context:
        return Context(now=NOW, places=full.places if PLACES in need else (),
                       categories=full.categories if CATEGORY_LIST in need else ())

    texts = ("Kitchen", "Lifting and handling", "21/11", "2pm", "A colleague nearly fell over")
    for draft in _every_draft(full):
        assert current_prompt(draft, part(needs(draft.step))) == current_prompt(draft, full)
        prompt = current_prompt(draft, full)
        codes = {button.code for row in prompt.rows for button in row}
        events = [*(ButtonInput(draft.step, code) for code in sorted(codes | {"c0", "c3"})),
                  *(TextInput(text) for text in texts), OtherInput("sticker"), Resume()]
        for event in events:
            expected = advance(draft, event, full)
            first = advance(draft, event, part(needs(draft.step)))
            assert (first.draft and first.draft.step) == (expected.draft and expected.draft.step)
            then = needs(draft.step) | (needs(first.draft.step) if first.draft else frozenset())
            assert advance(draft, event, part(then)) == expected, (draft.step, event)
    assert [step.id for step in STEPS if needs(step.id)] == ["place", "category"]
    assert needs(REVIEW) == needs(CONFIRM_CANCEL) == frozenset()


def test_a_tap_answers_unless_it_moves_about_the_report() -> None:
    for code in ("c0", "c3", "skip", "keep", "done", "submit"):
        assert is_answer(ButtonInput(step="date", code=code)), code
    for code in ("back", "cancel", "yes", "no", "edit:place"):
        assert not is_answer(ButtonInput(step="date", code=code)), code
