"""What a researcher reads for a job's status and stage, in the active language.

The pipeline reports its stage as a short English phrase (``"calibrating info: EM step
12"``) that the Job row keeps as it is; pages, the progress endpoint and the pushes show
it translated. A phrase this module does not know is shown under a generic label rather
than raw.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from assessment.survey.models import JobStatus
from itembank.models import Domain


def _domain(code: str) -> str:
    """The domain's Chinese or English name, or its code when the item bank lacks it."""
    from django.utils.translation import get_language

    row = Domain.objects.filter(code=code).only("name_zh", "name_en").first()
    if row is None:
        return code
    lang = (get_language() or "zh-hans").lower()
    return (row.name_en or row.name_zh) if lang.startswith("en") else row.name_zh


def _fixed() -> dict[str, str]:
    return {
        "": "",
        "started": _("started"),
        "finished": _("finished"),
        "failed": _("failed"),
        "cancelled": _("cancelled"),
        "base weights": _("base weights"),
        "raking": _("raking to the population margins"),
        "weights done": _("weights done"),
        "raking respondents to the population": _(
            "raking respondents to the population"
        ),
        "plausible values done": _("plausible values done"),
        "roll-up: needs and satisfaction": _("roll-up: needs and satisfaction"),
        "roll-up done": _("roll-up done"),
        "evidence done": _("reviewer's evidence ready"),
    }


_PATTERNS = (
    (
        re.compile(r"^calibrating (?P<d>[\w-]+): EM step (?P<n>\d+)$"),
        lambda m: (
            _("calibrating %(domain)s: EM step %(n)s")
            % {"domain": _domain(m["d"]), "n": m["n"]}
        ),
    ),
    (
        re.compile(r"^calibrated (?P<d>[\w-]+)$"),
        lambda m: _("calibrated %(domain)s") % {"domain": _domain(m["d"])},
    ),
    (
        re.compile(r"^evidence for (?P<d>[\w-]+): fit$"),
        lambda m: _("item fit for %(domain)s") % {"domain": _domain(m["d"])},
    ),
    (
        re.compile(r"^evidence for (?P<d>[\w-]+): DIF$"),
        lambda m: (
            _("differential item functioning for %(domain)s")
            % {"domain": _domain(m["d"])}
        ),
    ),
    (
        re.compile(r"^plausible values: (?P<d>[\w-]+)$"),
        lambda m: _("plausible values: %(domain)s") % {"domain": _domain(m["d"])},
    ),
    (
        re.compile(r"^roll-up: (?P<d>[\w-]+)$"),
        lambda m: _("roll-up: %(domain)s") % {"domain": _domain(m["d"])},
    ),
    (
        re.compile(r"^(?P<n>\d+) JK2 replicates$"),
        lambda m: _("%(n)s JK2 replicate weights") % {"n": m["n"]},
    ),
)


def stage_label(stage: str) -> str:
    """The stage phrase in the active language."""
    stage = (stage or "").strip()
    fixed = _fixed()
    if stage in fixed:
        return fixed[stage]
    for pattern, render in _PATTERNS:
        match = pattern.match(stage)
        if match:
            return render(match)
    return _("working")


def status_label(status: str) -> str:
    """The status code in the active language (never the code itself)."""
    try:
        return str(JobStatus(status).label)
    except ValueError:
        return _("unknown")
