"""Urgent messages to a team's on-call and safeguarding contacts when a worker raises harm.

De-identified by construction: the team, what was raised and when, and later the report's
reference. Never who raised it, nor a word they wrote: the contacts act through the team,
and a confidential or anonymous reporter stays so. bot/ renders these Msgs in the team's
language (user text escaped for Telegram HTML).
"""

from __future__ import annotations

from datetime import datetime

from core.text import N_, Msg

HARMED = N_("someone was hurt or harmed")
CONCERN = N_("they have a safeguarding concern")
BOTH = N_("someone was hurt or harmed, and they have a safeguarding concern")

ALERT = N_("Urgent, from nearmiss (alert {number}): a worker in {team} has just reported "
           "that {raised}. Reported at {time} on {date}.\n\nPlease contact the team now and "
           "check that the incident and safeguarding procedure is being followed. If the "
           "worker sends their report, you will get its reference here.")
REPORTED = N_("Update on nearmiss alert {number} ({team}): the report has been sent with the "
              "reference {reference}. Reviewers can read it in the admin panel.")


def alert(*, number: int, team: str, someone_harmed: bool, safeguarding_concern: bool,
          at: datetime) -> Msg:
    """The first message: which team, what was raised, and when (at: local time)."""
    raised = BOTH if someone_harmed and safeguarding_concern else (
        HARMED if someone_harmed else CONCERN)
    return Msg(ALERT, {"number": str(number), "team": team, "raised": Msg(raised),
                       "time": at.strftime("%H:%M"), "date": at.date()})


def reported(*, number: int, team: str, reference: str) -> Msg:
    """The follow-up once the worker has sent the report: its reference, nothing more."""
    return Msg(REPORTED, {"number": str(number), "team": team, "reference": reference})
