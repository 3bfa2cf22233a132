"""The report flow as a pure function, moving about: the questions in order, back, skip, edit
from the summary, cancel, the summary itself, a draft kept and resumed, what each step reads."""

from __future__ import annotations

import json
from datetime import date, time

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
    Resume,
    TextInput,
    advance,
    collect,
    current_prompt,
    is_answer,
    needs,
)
from tests.conversations.walk import CTX, NO_HARM, NOW, Walk, codes


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


def test_the_harm_question_comes_first_with_one_answer_per_row() -> None:
    walk = Walk(harm=None)
    assert walk.draft.step == "harm"
    assert codes(walk.prompt) == [["c0"], ["c1"], ["c2"], ["c3"], ["cancel"]]
    walk.type("no")
    assert walk.notice() == "Please tap one of the buttons."
    result = walk.tap(NO_HARM)
    assert not result.escalate and not walk.draft.escalated
    assert walk.draft.answers["harm"] == {"harmed": False, "safeguarding": False}
    assert walk.draft.step == "date"


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
    assert codes(walk.prompt) == [["c0"], ["c1"], ["c2"], ["back", "cancel"]]
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
