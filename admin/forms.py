"""Reading the admin's query strings and forms into typed values, refusing what is not valid."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from starlette.datastructures import FormData

from admin import params
from conversations import N_
from storage.schemas import ActionFilters, ReportFilters
from storage.stats import PARTS_OF_DAY
from storage.vocab import (
    ACTION_LIST_STATUSES,
    FACTORS,
    REPORT_SORTS,
    REPORT_STATUSES,
    SEVERITIES,
    TIERS,
)

STATUS = N_("Choose a status from the list.")
TIER = N_("Choose a response tier from the list.")
OWNER = N_("Choose an owner from the list.")
FLAGS = ("safeguarding_referral", "commissioner_notified", "family_informed")
REVIEW_TEXT = ("review_what", "review_why", "review_conditions", "review_change",
               "redacted_summary", "redacted_prevented")
TEXT_LIMIT = 10_000


def parse_date(value: Any) -> date | None:
    """An ISO date from a form or query string; None when empty or not a date."""
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def read_filters(query: Mapping[str, str], scope: tuple[int, ...] | None, *,
                 words: bool) -> tuple[ReportFilters, int]:
    """Filters and page from the list page's query string, narrowed to the user's teams and,
    unless `words`, to searching what they may read (ReportFilters.words);
    params.BadParameter (400) for a value the page's form could not have sent."""
    date_from, date_to = params.ordered(params.query_date(query, "date_from"),
                                        params.query_date(query, "date_to"))
    filters = ReportFilters(
        date_from=date_from,
        date_to=date_to,
        team_ids=params.team_scope(query, scope),
        place=params.text(query, "place"),
        category=params.text(query, "category"),
        status=params.choice(query, "status", REPORT_STATUSES, message=STATUS),
        tier=params.choice(query, "tier", TIERS, message=TIER),
        time_of_day=params.choice(query, "time_of_day", PARTS_OF_DAY),
        text=params.text(query, "q"),
        sort=params.choice(query, "sort", REPORT_SORTS) or "-submitted_at",
        words=words,
    )
    return filters, params.page_number(query)


def read_action_filters(query: Mapping[str, str], scope: tuple[int, ...] | None, *,
                        owner_user_id: int | None = None) -> tuple[ActionFilters, int]:
    """The action tracker's filters and page; params.BadParameter (400) for a bad value.

    A team outside the user's own gives an empty list, as on the reports list; owner_user_id
    fixes the owner (the My actions page) whatever the query says.
    """
    owner = query.get("owner")
    owner_id = params.whole_number(owner) if owner else None
    if owner and not owner_id:
        raise params.BadParameter(OWNER)
    due_from, due_to = params.ordered(params.query_date(query, "due_from"),
                                      params.query_date(query, "due_to"))
    filters = ActionFilters(
        team_ids=params.team_scope(query, scope), owner_user_id=owner_user_id or owner_id,
        status=params.choice(query, "status", ACTION_LIST_STATUSES, message=STATUS),
        due_from=due_from, due_to=due_to)
    return filters, params.page_number(query)


def curation_changes(form: FormData) -> dict[str, Any]:
    """The curation fields posted by the report page; ValueError on anything off-vocabulary."""
    status = form.get("status")
    if status not in REPORT_STATUSES:
        raise ValueError(STATUS)
    severity = form.get("severity") or None
    tier = form.get("tier") or None
    if severity is not None and severity not in SEVERITIES:
        raise ValueError(N_("Choose a potential severity from the list."))
    if tier is not None and tier not in TIERS:
        raise ValueError(TIER)
    factors = [str(value) for value in form.getlist("factors")]
    if not set(factors) <= set(FACTORS):
        raise ValueError(N_("Choose contributing factors from the list."))
    changes: dict[str, Any] = {"status": status, "severity": severity, "tier": tier,
                               "factors": sorted(set(factors))}
    changes.update({flag: form.get(flag) == "on" for flag in FLAGS})
    changes.update({name: str(form.get(name, "")).strip()[:TEXT_LIMIT] or None
                    for name in REVIEW_TEXT})
    return changes


IDENTITY_DAYS = (0, 3650)  # how long after closure who reported is kept
REPORT_YEARS = (1, 100)  # how long reports, as care records, are kept


def telegram_number(value: Any) -> int:
    """A person's Telegram user id as typed in a privacy form; ValueError when it is not one."""
    number = params.whole_number(value, maximum=params.BIGINT_MAX)
    if number is None or number < 1:
        raise ValueError(N_("Enter the person's Telegram number: digits only, as the bot's "
                            "/myid command shows it."))
    return number


def retention_periods(form: FormData) -> tuple[int, int]:
    """(identity days after closure, report years) from the policy form, within their bounds."""
    days = _bounded(form.get("identity_days_after_closure"), IDENTITY_DAYS)
    if days is None:
        raise ValueError(N_("Keep who reported for a whole number of days from 0 to 3650 "
                            "after closure."))
    years = _bounded(form.get("report_years"), REPORT_YEARS)
    if years is None:
        raise ValueError(N_("Keep reports for a whole number of years from 1 to 100."))
    return days, years


def _bounded(value: Any, bounds: tuple[int, int]) -> int | None:
    number = params.whole_number(value, maximum=bounds[1])
    return number if number is not None and number >= bounds[0] else None
