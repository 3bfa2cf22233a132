"""axe-core, pinned in tests/browser/package-lock.json, run inside a page Playwright drives."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page

AXE = Path(__file__).resolve().parents[1] / "browser" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")

# axe.run's own result, cut to what a failing test needs to show.
RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html,
                              summary: n.failureSummary}))}));
}"""


def need_axe() -> None:
    """Skip where `make test` has not installed axe-core; under CI its absence is a failure."""
    if not AXE.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("axe-core is missing: `make test` installs it with npm ci")
        pytest.skip("axe-core is not installed (make test runs npm ci in tests/browser)")


async def blocking_violations(page: Page) -> list[dict[str, Any]]:
    """The serious and critical axe violations on the page as it is now."""
    await page.add_script_tag(path=str(AXE))
    violations = await page.evaluate(RUN)
    return [v for v in violations if v["impact"] in BLOCKING]


def describe(url: str, violations: list[dict[str, Any]]) -> str:
    """One readable block per violation: rule, impact, and each offending element."""
    lines = [f"{url}:"]
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']}")
        for node in v["nodes"][:8]:
            lines.append(f"      {node['target']}  {node['html'][:160]}")
            lines.append("        " + (node["summary"] or "").replace("\n", "\n        "))
    return "\n".join(lines)
