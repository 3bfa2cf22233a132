"""Drives the report flow (conversations) like a person, for the flow's tests."""

from __future__ import annotations

from datetime import datetime

from conversations import (
    REVIEW,
    ButtonInput,
    Context,
    Draft,
    Msg,
    Result,
    TextInput,
    advance,
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


def codes(prompt: Prompt) -> list[list[str]]:
    """The codes of the prompt's buttons, row by row."""
    return [[button.code for button in row] for row in prompt.rows]
