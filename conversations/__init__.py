"""The guided near-miss report, as pure data and functions (no Telegram, no database)."""

from conversations.edits import answered_in, revise
from conversations.flow import (
    CONFIRM_CANCEL,
    REVIEW,
    ButtonInput,
    Draft,
    Event,
    OtherInput,
    Result,
    Resume,
    TextInput,
    advance,
    current_prompt,
    is_answer,
    needs,
    start,
)
from conversations.prompts import Button, Prompt
from conversations.review import ReportAnswers, collect
from conversations.steps import (
    CATEGORIES,
    CATEGORY_LIST,
    PLACES,
    STEP_BY_ID,
    STEPS,
    TOLD,
    Context,
)
from core.text import N_, NP_, Field, Msg, utf16_len

__all__ = [
    "CATEGORIES", "CATEGORY_LIST", "CONFIRM_CANCEL", "PLACES", "REVIEW", "STEPS", "STEP_BY_ID",
    "TOLD", "Button",
    "ButtonInput", "Context", "Draft", "Event", "Field", "Msg", "N_", "NP_", "OtherInput", "Prompt",
    "ReportAnswers", "Result", "Resume", "TextInput", "advance", "answered_in", "collect",
    "current_prompt",
    "is_answer", "needs", "revise", "start", "utf16_len",
]
