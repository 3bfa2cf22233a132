"""An edited typed answer, as a pure function: which message answered which question, and
what an edit of it does to the draft."""

from __future__ import annotations

import json
from datetime import datetime

from conversations import ButtonInput, Context, Draft, TextInput, advance, revise, start
from conversations.edits import NOT_AN_ANSWER, REFUSED, UPDATED
from conversations.prompts import shorten

CTX = Context(now=datetime(2026, 11, 22, 15, 0), places=("Lounge", "Kitchen"))


def _walk_to_what() -> Draft:
    draft = start(CTX).draft
    assert draft is not None
    for event in (ButtonInput("harm", "c0"), TextInput("21/11", message_id=5),
                  ButtonInput("time", "c0"), TextInput("Laundry room", message_id=9),
                  ButtonInput("category", "c0")):
        draft = advance(draft, event, CTX).draft
        assert draft is not None
    assert draft.step == "what"
    return draft


def test_a_typed_answer_records_its_message_and_a_tap_replacing_it_forgets_it() -> None:
    draft = _walk_to_what()
    assert draft.typed == {"date": 5, "place": 9}
    back = advance(draft, ButtonInput("what", "back"), CTX).draft
    assert back is not None and back.step == "category"
    back = advance(back, ButtonInput("category", "back"), CTX).draft
    assert back is not None and back.step == "place"
    tapped = advance(back, ButtonInput("place", "c1"), CTX).draft
    assert tapped is not None and tapped.typed == {"date": 5}
    assert Draft.from_dict(json.loads(json.dumps(tapped.to_dict()))) == tapped


def test_a_stored_typed_map_keeps_only_what_it_can_mean() -> None:
    stored = {**_walk_to_what().to_dict(),
              "typed": {"date": 5, "nonsense": 7, "place": "9", "what": True}}
    assert Draft.from_dict(stored).typed == {"date": 5}
    assert Draft.from_dict({**stored, "typed": ["date", 5]}).typed == {}


def test_an_edit_of_an_answer_changes_it_where_the_worker_is() -> None:
    draft = _walk_to_what()
    result = revise(draft, 9, "Linen cupboard", CTX)
    assert result.draft is not None and result.prompt is not None
    assert result.draft.answers["place"] == "Linen cupboard" and result.draft.step == "what"
    assert result.prompt.notice is not None and result.prompt.notice.msgid == UPDATED
    refused = revise(draft, 5, "31/02", CTX)
    assert refused.draft == draft
    assert refused.prompt is not None and refused.prompt.notice is not None
    assert refused.prompt.notice.msgid == REFUSED
    other = revise(draft, 6, "anything", CTX)
    assert other.draft == draft
    assert other.prompt is not None and other.prompt.notice is not None
    assert other.prompt.notice.msgid == NOT_AN_ANSWER


def test_the_summary_cut_counts_utf16_code_units() -> None:
    assert shorten("😀" * 300) == "😀" * 300
    assert shorten("😀" * 301) == "😀" * 300 + " …"
    assert shorten("a😀" * 250, limit=11) == "a😀a😀a😀a …"  # never half a character
