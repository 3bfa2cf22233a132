"""'You said, we did': telling a reporter, privately, what changed because they spoke up."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

from core.text import N_

Gettext = Callable[..., str]

AGREED = N_("You said, we did. Thank you for reporting near miss {reference}. A reviewer "
            "has read it and these actions have been agreed:")
DONE = N_("You said, we did. An action from your near-miss report {reference} is done:")
EVIDENCE = N_("What changed: {evidence}")
CLOSING = N_("Thank you for speaking up: it keeps people safe.")


def actions_agreed(reference: str, actions: Sequence[str], _: Gettext) -> str:
    """The message when a report's actions are agreed (Telegram HTML, text escaped)."""
    lines = "\n".join(f"• {html.escape(action.strip(), quote=False)}" for action in actions)
    return "\n\n".join([html.escape(_(AGREED, reference=reference), quote=False), lines,
                        html.escape(_(CLOSING), quote=False)])


def action_done(reference: str, action: str, evidence: str | None, _: Gettext) -> str:
    """The message when one of those actions is completed."""
    parts = [html.escape(_(DONE, reference=reference), quote=False),
             f"• {html.escape(action.strip(), quote=False)}"]
    if evidence:
        parts.append(html.escape(_(EVIDENCE, evidence=evidence.strip()), quote=False))
    parts.append(html.escape(_(CLOSING), quote=False))
    return "\n\n".join(parts)
