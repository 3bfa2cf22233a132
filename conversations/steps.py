"""The report flow as data: one Step per question, in the order they are asked.

Adding a question means adding a Step here (and a column in storage/ to keep its answer);
bot/ walks whatever this tuple says.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from conversations import parsing
from core.text import N_, Msg


@dataclass(frozen=True)
class Context:
    """What the flow needs to know about the world: the local time and the team's places."""

    now: datetime
    places: tuple[str, ...] = ()
    # (key, name) pairs an administrator manages; empty means the built-in list.
    categories: tuple[tuple[str, str], ...] = ()


# The parts of a Context a step reads beyond the time (Step.uses), named as its fields: bot/
# reads from the database only what the next event can need (flow.needs).
PLACES, CATEGORY_LIST = "places", "categories"


@dataclass(frozen=True)
class Choice:
    """A button answer: the stored value and its label (a literal str is shown as is)."""

    value: str
    label: Msg | str


Parser = Callable[[str, dict[str, Any], Context], Any]
Choices = Callable[[Context], tuple[Choice, ...]]


@dataclass(frozen=True)
class Step:
    """One question of the flow."""

    id: str
    question: str
    label: str  # the summary label
    kind: str  # "text", "choice" (buttons, or typed text if parse is set), "multi"
    choices: Choices = lambda ctx: ()
    parse: Parser | None = None
    optional: bool = False
    columns: int = 2
    exclusive: str | None = None  # in a multi step, the choice that stands alone and finishes
    typed_question: str | None = None  # asked instead when there are no choices to tap
    # True for an answer that makes the draft an escalation (someone harmed, a safeguarding
    # concern): the flow says so once, and bot/ tells the team's contacts at once.
    escalates: Callable[[Any], bool] | None = None
    # Asked instead once the worker said someone was harmed or has a safeguarding concern:
    # "how was it prevented?" makes no sense about harm that happened.
    incident_question: str | None = None
    uses: frozenset[str] = frozenset()  # PLACES, CATEGORY_LIST: what of the Context it reads


def _fixed(*pairs: tuple[str, str]) -> Choices:
    choices = tuple(Choice(value, Msg(label)) for value, label in pairs)
    return lambda ctx: choices


CATEGORIES = (
    ("medication", N_("Medication")),
    ("falls", N_("Falls and mobility")),
    ("environment", N_("Environment and equipment")),
    ("behaviour", N_("Behaviour and distress")),
    ("personal_care", N_("Personal care")),
    ("safeguarding", N_("Safeguarding")),
    ("communication", N_("Communication and handover")),
    ("placement", N_("Placement stability")),
    ("other", N_("Other")),
)

TOLD = (
    ("nobody", N_("Nobody yet")),
    ("manager", N_("Manager / team lead")),
    ("nurse", N_("Nurse")),
    ("gp", N_("GP")),
    ("family", N_("Family")),
    ("on_call", N_("On-call")),
    ("safeguarding_lead", N_("Safeguarding lead")),
    ("other", N_("Other")),
)

HARM = (
    ("none", N_("No, nobody was harmed and I have no concern")),
    ("harmed", N_("Yes, someone was hurt or harmed")),
    ("safeguarding", N_("Yes, I have a safeguarding concern")),
    ("both", N_("Yes, both")),
)
# The stored answer: two flags, so storage and the escalation read it without the labels.
HARM_FLAGS = {"none": (False, False), "harmed": (True, False),
              "safeguarding": (False, True), "both": (True, True)}

CONFIDENTIALITY = (
    ("named", N_("Named")),
    ("confidential", N_("Confidential")),
    ("anonymous", N_("Anonymous")),
)

PERIOD_LABELS = (
    ("morning", N_("Morning")),
    ("afternoon", N_("Afternoon")),
    ("evening", N_("Evening")),
    ("night", N_("Night")),
)

FREE_TEXT_MAX = 3000


def _parse_date(text: str, answers: dict[str, Any], ctx: Context) -> str:
    return parsing.parse_date(text, today=ctx.now.date()).isoformat()


def _parse_time(text: str, answers: dict[str, Any], ctx: Context) -> dict[str, Any]:
    moment = parsing.parse_time(text)
    period = parsing.period_of(moment)
    parsing.check_not_future(_answered_date(answers, ctx), moment, period, now=ctx.now)
    return {"at": moment.strftime("%H:%M"), "period": period}


def _choose_period(value: str, answers: dict[str, Any], ctx: Context) -> dict[str, Any]:
    parsing.check_not_future(_answered_date(answers, ctx), None, value, now=ctx.now)
    return {"at": None, "period": value}


def _choose_harm(value: str, answers: dict[str, Any], ctx: Context) -> dict[str, bool]:
    harmed, concern = HARM_FLAGS[value]
    return {"harmed": harmed, "safeguarding": concern}


def harm_choice(value: Any) -> str:
    """The HARM choice a stored harm answer stands for."""
    if not isinstance(value, dict):
        value = {}
    flags = (bool(value.get("harmed")), bool(value.get("safeguarding")))
    return next(key for key, pair in HARM_FLAGS.items() if pair == flags)


def _escalates(value: Any) -> bool:
    return isinstance(value, dict) and (bool(value.get("harmed"))
                                        or bool(value.get("safeguarding")))


def is_incident(answers: dict[str, Any]) -> bool:
    """The worker said someone was harmed or they have a safeguarding concern."""
    return _escalates(answers.get("harm"))


def _answered_date(answers: dict[str, Any], ctx: Context) -> date:
    raw = answers.get("date")
    return date.fromisoformat(raw) if raw else ctx.now.date()


def _parse_place(text: str, answers: dict[str, Any], ctx: Context) -> str:
    return parsing.check_free_text(text, minimum=2, maximum=200)


def _free_text(minimum: int) -> Parser:
    def parse(text: str, answers: dict[str, Any], ctx: Context) -> str:
        return parsing.check_free_text(text, minimum=minimum, maximum=FREE_TEXT_MAX)

    return parse


def _places(ctx: Context) -> tuple[Choice, ...]:
    return tuple(Choice(name, name) for name in ctx.places)


def _categories(ctx: Context) -> tuple[Choice, ...]:
    """Built-in categories read in the worker's language; ones an admin added, as written."""
    known = dict(CATEGORIES)
    pairs = ctx.categories or CATEGORIES
    return tuple(Choice(key, Msg(known[key]) if key in known else name) for key, name in pairs)


def _dates(ctx: Context) -> tuple[Choice, ...]:
    today = ctx.now.date()
    return (Choice(today.isoformat(), Msg(N_("Today"))),
            Choice(date.fromordinal(today.toordinal() - 1).isoformat(), Msg(N_("Yesterday"))))


STEPS: tuple[Step, ...] = (
    # First, so someone harmed or at risk is escalated before anything else is asked.
    Step("harm", N_("Before we start: was anyone hurt or harmed, or do you have a "
                    "safeguarding concern?"),
         N_("Harm or safeguarding"), "choice", choices=_fixed(*HARM), columns=1,
         escalates=_escalates),
    Step("date", N_("When did it happen? Tap Today or Yesterday, or type the date "
                    "(for example 21/11)."),
         N_("Date"), "choice", choices=_dates, parse=_parse_date),
    Step("time", N_("Roughly what time was it? Tap a part of the day, or type a time "
                    "(for example 14:30 or 2pm)."),
         N_("Time"), "choice", choices=_fixed(*PERIOD_LABELS), parse=_parse_time),
    Step("place", N_("Where did it happen? Tap a place, or type it."),
         N_("Place"), "choice", choices=_places, parse=_parse_place,
         typed_question=N_("Where did it happen? Please type the place."),
         uses=frozenset({PLACES})),
    Step("category", N_("What kind of near miss was it?"),
         N_("Category"), "choice", choices=_categories,
         incident_question=N_("What kind of incident was it?"), uses=frozenset({CATEGORY_LIST})),
    Step("what", N_("What nearly happened? Describe it in your own words. Please say "
                    "\"a resident\" or \"a colleague\" rather than using names."),
         N_("What nearly happened"), "text", parse=_free_text(5),
         incident_question=N_("What happened? Describe it in your own words. Please say "
                              "\"a resident\" or \"a colleague\" rather than using names.")),
    Step("prevented", N_("How was it prevented? What stopped it from causing harm?"),
         N_("How it was prevented"), "text", parse=_free_text(3),
         incident_question=N_("What stopped it from being worse, or what was done to keep "
                              "people safe?")),
    Step("action", N_("What did you do straight away, if anything? You can tap Skip."),
         N_("Immediate action"), "text", parse=_free_text(3), optional=True),
    Step("told", N_("Who have you told about it? Tap everyone who applies, then Done."),
         N_("Who was told"), "multi", choices=_fixed(*TOLD), exclusive="nobody"),
    Step("suggestions", N_("Any ideas to stop it happening again? You can tap Skip."),
         N_("Suggestions"), "text", parse=_free_text(3), optional=True),
    Step("confidentiality", N_("Who can see that you made this report?\n\n"
                               "Named: reviewers see your name, and I tell you what changes.\n"
                               "Confidential: only administrators see your name. I tell you "
                               "what changes, and your name is deleted after the report is "
                               "closed.\n"
                               "Anonymous: nobody can see who you are, and I cannot tell you "
                               "what changes."),
         N_("Privacy"), "choice", choices=_fixed(*CONFIDENTIALITY), columns=1),
)

STEP_BY_ID = {step.id: step for step in STEPS}

# Choices whose stored value needs more than the value itself (a period becomes a dict).
CHOICE_VALUE: dict[str, Callable[[str, dict[str, Any], Context], Any]] = {
    "time": _choose_period,
    "harm": _choose_harm,
}


def label_for(pairs: tuple[tuple[str, str], ...], value: str) -> Msg:
    """The translatable label of a stored choice value."""
    return Msg(dict(pairs).get(value, value))
