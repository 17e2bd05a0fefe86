"""The methods section of a report, in sentences and a small table, from a roll-up's method record.

The survey stores its method as a nested record with English keys and raw numbers
(``response_rate: 0.7938…``). Readers get translated sentences built from the known keys,
numbers rounded for print, and a table of the key figures; keys this module does not know
are left out rather than dumped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from cms.figures import domain_name


@dataclass(frozen=True)
class Methods:
    sentences: list[tuple[str, str]] = field(
        default_factory=list
    )  # (heading, sentence)
    table: list[tuple[str, str]] = field(default_factory=list)  # (label, value)


def _num(value: Any) -> float | None:
    return (
        float(value)
        if isinstance(value, int | float) and not isinstance(value, bool)
        else None
    )


def _int(value: Any) -> str:
    number = _num(value)
    return f"{int(number):,}" if number is not None else ""


def _section(method: dict[str, Any], key: str) -> dict[str, Any]:
    """Return one part of the method record, or {} when it is missing or malformed."""
    value = method.get(key)
    return value if isinstance(value, dict) else {}


def methods_describe(
    method: dict[str, Any], *, parameter_set_id: int | None = None
) -> Methods:
    """Return the report's methods as translated sentences and a table of key figures."""
    sentences: list[tuple[str, str]] = []
    table: list[tuple[str, str]] = []
    sample = _section(method, "sample")
    weights = _section(method, "weights")
    replicates = _section(method, "replicates")
    pvs = _section(method, "plausible_values")
    suppression = _section(method, "suppression")
    linking = _section(method, "linking_error")

    # design and sample
    if sample:
        rate = _num(sample.get("response_rate"))
        text = _(
            "A stratified random sample of citizens was drawn within each district, age band "
            "and sex, with equal allocation across districts."
        )
        if sample.get("n_sampled") and sample.get("n_respondents") and rate is not None:
            text += " " + _(
                "Of %(invited)s persons invited, %(answered)s answered: a response "
                "rate of %(rate)s%%."
            ) % {
                "invited": _int(sample["n_sampled"]),
                "answered": _int(sample["n_respondents"]),
                "rate": f"{rate * 100:.1f}",
            }
        sentences.append((_("Design and sample"), text))
        table.append(
            (_("Design"), _("Stratified random sample (district × age band × sex)"))
        )
        if sample.get("n_sampled"):
            table.append((_("Persons invited"), _int(sample["n_sampled"])))
        if sample.get("n_respondents"):
            table.append((_("Respondents"), _int(sample["n_respondents"])))
        if rate is not None:
            table.append((_("Response rate"), f"{rate * 100:.1f}%"))

    # weighting
    if weights:
        raking = (
            weights.get("raking") if isinstance(weights.get("raking"), dict) else {}
        )
        text = _(
            "Each respondent's weight starts from the inverse of the selection probability, "
            "is adjusted for non-response within strata, raked to the population by district, "
            "age band and sex, and trimmed."
        )
        if raking:
            if raking.get("converged"):
                text += " " + _("The raking converged after %(n)s iteration(s).") % {
                    "n": _int(raking.get("iterations"))
                }
            else:
                text += " " + _(
                    "The raking did not converge; the weights are approximate."
                )
            if raking.get("n_trimmed") is not None:
                text += " " + _("%(n)s weights were trimmed.") % {
                    "n": _int(raking.get("n_trimmed"))
                }
        sentences.append((_("Weighting"), text))

    # scaling and plausible values
    if method.get("models") or pvs:
        text = _(
            "Items were calibrated together across booklets with two-parameter logistic and "
            "generalised partial credit models (marginal maximum likelihood)."
        )
        if pvs.get("n"):
            text += " " + _(
                "Each respondent's ability is represented by %(n)s plausible values "
                "drawn from a latent regression on background variables and "
                "district."
            ) % {"n": _int(pvs["n"])}
            table.append((_("Plausible values"), _int(pvs["n"])))
        if parameter_set_id:
            text += " " + _("Item parameters: parameter set #%(id)s.") % {
                "id": parameter_set_id
            }
            table.append((_("Parameter set"), f"#{parameter_set_id}"))
        sentences.append((_("Scaling"), text))

    # standard errors
    if replicates.get("n"):
        sentences.append(
            (
                _("Standard errors"),
                _(
                    "Standard errors combine the sampling variance from %(n)s jackknife (JK2) replicate "
                    "weights with the variance between plausible values; intervals are 95%% confidence "
                    "intervals."
                )
                % {"n": _int(replicates["n"])},
            )
        )
        table.append(
            (
                _("Replicate weights"),
                _("JK2, %(n)s replicates") % {"n": _int(replicates["n"])},
            )
        )

    # linking
    if linking:
        parts = [
            _("%(domain)s %(error)s")
            % {"domain": domain_name(code), "error": f"{float(v):.3f}"}
            for code, v in linking.items()
            if _num(v) is not None
        ]
        sentences.append(
            (
                _("Linking"),
                _(
                    "Results are placed on the scale of the first wave through common items; the linking "
                    "error (%(errors)s logits) is added to the standard error of every change between "
                    "waves."
                )
                % {"errors": _("; ").join(parts)},
            )
        )

    # suppression
    if suppression.get("threshold"):
        text = _("Figures resting on fewer than %(n)s respondents are not shown.") % {
            "n": _int(suppression["threshold"])
        }
        if suppression.get("complementary"):
            text += " " + _(
                "A second figure is withheld where needed so that a hidden figure "
                "cannot be worked out from the others."
            )
        sentences.append((_("Suppression"), text))
        table.append(
            (_("Minimum respondents per figure"), _int(suppression["threshold"]))
        )
    return Methods(sentences=sentences, table=table)
