"""axe-core in Chromium: the WCAG 2.1 AA violations a page has, serious or critical."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

WCAG21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
_AXE = Axe()


def serious_violations(page) -> list[str]:
    """Run axe-core on the page as it is now; describe each serious or critical violation."""
    results = _AXE.run(
        page,
        options={
            "runOnly": {"type": "tag", "values": WCAG21_AA},
            "resultTypes": ["violations"],
        },
    )
    out = []
    for violation in results.response["violations"]:
        if violation.get("impact") in ("serious", "critical"):
            targets = [node["target"] for node in violation["nodes"][:3]]
            out.append(
                f"{page.url}: {violation['id']} ({violation['impact']}): "
                f"{violation['help']} at {targets}"
            )
    return out
