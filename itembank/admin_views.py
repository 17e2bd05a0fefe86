"""Admin views of the item bank: item detail (preview, curve, statistics, parameter history),
bank overview (items per domain × difficulty band, Wright map), parameter-set activation
and import/export pages."""

from __future__ import annotations

import numpy as np
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail import hooks

from learning_platform.downloads import download_response

from .charts import curves_svg, wright_map_svg
from .exporting import can_see_keys, items_csv, items_xlsx
from .importing import items_import, template_csv, template_xlsx
from .models import Item, ReviewStatus
from .payloads import build_payload
from .qti import export_package, import_package
from .selectors import (
    FLAG_LABELS,
    KEY_BALANCE_ALPHA,
    active_parameter_set,
    active_parameters,
    blueprint_by_id,
    blueprint_targets,
    cut_score_set_by_id,
    cut_score_sets_all,
    domain_label,
    domain_levels,
    domain_subtrees,
    domains_by_code,
    domains_by_code_order,
    item_by_id,
    items_for_export,
    items_for_qti,
    items_with_domains,
    key_position_balance,
    live_item_domains,
    overview_domains,
    parameter_history,
    parameter_set_by_id,
    parameter_set_rows,
    parameters_by_item,
    parameters_to_arrays,
)
from .services import (
    cut_score_set_activate,
    cut_score_set_review,
    form_assemble,
    parameter_set_activate,
    parameter_set_review,
)
from .taxonomies import blueprint_reference_coverage, group_by_choices, item_groups
from .workflows import review_progress

BANDS = [(-np.inf, -1.5), (-1.5, -0.5), (-0.5, 0.5), (0.5, 1.5), (1.5, np.inf)]
BAND_LABELS = ["< -1.5", "-1.5 – -0.5", "-0.5 – 0.5", "0.5 – 1.5", "≥ 1.5"]


def _require(request, perm):
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _or_404(obj):
    from django.http import Http404

    if obj is None:
        raise Http404
    return obj


def item_detail(request, pk):
    _require(request, "itembank.view_item")
    item = _or_404(item_by_id(pk))
    # preview the latest revision (draft or published), never the key
    revision = item.latest_revision
    obj = revision.as_object() if revision else item
    payload = build_payload(obj, list(obj.options.all()))
    active = active_parameters(item_ids=[item.pk])
    curve = None
    if active.item_ids:
        curve = mark_safe(
            curves_svg(  # noqa: S308 - built from numbers and escaped text
                active.params,
                title=_("Item characteristic and information curves of %(code)s")
                % {"code": item.code},
                description=_(
                    "Solid line: expected score share by ability; dashed line: "
                    "information. Parameter set %(id)s."
                )
                % {"id": active.parameter_set_id},
            )
        )
    stats = getattr(item, "statistics", None) if hasattr(item, "statistics") else None
    return TemplateResponse(
        request,
        "itembank/admin/item_detail.html",
        {
            "item": item,
            "payload": payload,
            "curve": curve,
            "stats": stats,
            "history": [_history_display(row) for row in parameter_history(item.pk)],
            "revision": revision,
            "review": review_progress(item),
            "page_title": item.code,
        },
    )


def _three(value) -> str:
    """Show a parameter to three decimals (a stored float prints 16 digits otherwise)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return f"{value:.3f}"


def _history_display(row: dict) -> dict:
    return {
        **row,
        "thresholds": [_three(v) for v in (row.get("thresholds") or [])],
        "se": {k: _three(v) for k, v in (row.get("se") or {}).items()},
        "fit": {k: _three(v) for k, v in (row.get("fit") or {}).items()},
    }


def _campaign_abilities(
    chosen: str | None,
) -> tuple[list[float], dict | None, list[dict]]:
    """Thetas of one campaign's results for the Wright map, and the campaigns to choose from.

    Results belong to ``assessment``, a layer above the item bank, so they are asked for
    through the ``itembank_wright_map_abilities`` hook that assessment registers: each
    hook takes the chosen campaign id (or None) and returns ``(thetas, campaign,
    campaigns)``. With no hook registered the map shows items only.
    """
    for hook in hooks.get_hooks("itembank_wright_map_abilities"):
        return hook(chosen)
    return [], None, []


def _wright_groups(
    choice: str, items: list[tuple[int, int]], b_by_item: dict
) -> tuple[str, list | None, list[dict]]:
    """Return the valid grouping, the Wright map's item groups and their summary rows.

    Only calibrated items (with a b in the active set) are placed; an unknown choice falls
    back to no grouping.
    """
    item_domains = {pk: dom for pk, dom in items if pk in b_by_item}
    try:
        groups = item_groups(group_by=choice, item_domains=item_domains)
    except ValidationError:
        return "", None, []
    if groups is None:
        return "", None, []
    rows = []
    for g in groups:
        bs = [float(b_by_item[i]) for i in g.item_ids]
        rows.append(
            {
                "header": g.header,
                "label": g.label,
                "n": len(bs),
                "b_mean": sum(bs) / len(bs) if bs else None,
                "b_min": min(bs) if bs else None,
                "b_max": max(bs) if bs else None,
            }
        )
    return choice, groups, rows


def bank_overview(request):
    _require(request, "itembank.view_item")
    active = active_parameters()
    b_by_item = (
        dict(zip(active.item_ids, active.params.b, strict=True))
        if active.item_ids
        else {}
    )
    domains = overview_domains()
    items = live_item_domains()
    rows = []
    for d in domains:
        ids = [pk for pk, dom in items if dom == d.pk]
        counts = [0] * len(BANDS)
        for pk in ids:
            b = b_by_item.get(pk)
            if b is None:
                continue
            for k, (lo, hi) in enumerate(BANDS):
                if lo <= b < hi:
                    counts[k] += 1
        rows.append(
            {
                "domain": d,
                "total": len(ids),
                "counts": counts,
                "uncalibrated": sum(1 for pk in ids if pk not in b_by_item),
                "thin": [c < 2 for c in counts],
            }
        )
    abilities, campaign, campaigns = _campaign_abilities(request.GET.get("campaign"))
    note = ""
    if not abilities:
        abilities = list(np.random.default_rng(0).normal(0, 1, 2000))
        note = _(
            "No survey results yet: a standard-normal reference distribution is shown."
        )
    group_by, groups, group_rows = _wright_groups(
        request.GET.get("group", ""), items, b_by_item
    )
    wright = mark_safe(
        wright_map_svg(  # noqa: S308
            [b for b in b_by_item.values()],
            abilities,
            title=_("Wright map"),
            description=_(
                "Ability distribution of respondents (left) and item difficulties of "
                "the active parameter set (right) on one scale."
            ),
            ability_label=_("Respondents"),
            item_label=_("Items"),
            groups=None
            if groups is None
            else [
                (
                    g.header,
                    g.label,
                    [b_by_item[i] for i in g.item_ids if i in b_by_item],
                )
                for g in groups
            ],
        )
    )
    kinds = dict(Item.Kind.choices)
    key_balance = [
        {
            "row": r,
            "kind": kinds.get(r.kind, r.kind),
            "p": f"{r.p_value:.3f}" if r.p_value is not None else "—",
            "share": round(100 * r.modal_share),
        }
        for r in key_position_balance()
    ]
    return TemplateResponse(
        request,
        "itembank/admin/overview.html",
        {
            "rows": rows,
            "bands": BAND_LABELS,
            "wright": wright,
            "note": note,
            "campaign": campaign,
            "campaigns": campaigns,
            "active": active,
            "group_by": group_by,
            "group_choices": group_by_choices(),
            "group_rows": group_rows,
            "page_title": _("Item bank overview"),
            "key_balance": key_balance,
            "key_alpha": KEY_BALANCE_ALPHA,
        },
    )


def parameter_set_detail(request, pk):
    _require(request, "itembank.view_itemparameterset")
    pset = _or_404(parameter_set_by_id(pk))
    params = parameter_set_rows(pset)
    for p in params:
        p.thresholds_display = ", ".join(_three(v) for v in (p.thresholds or []))
    evidence = pset.evidence or {}
    flagged = {str(i) for i in evidence.get("flagged", [])}
    rows = [
        {
            "p": p,
            "fit": p.fit or {},
            "flags": [FLAG_LABELS.get(f, f) for f in (p.fit or {}).get("flags", [])],
            "flagged": str(p.item_id) in flagged,
            "dif": _dif_summary((p.fit or {}).get("dif") or {}),
        }
        for p in params
    ]
    rows.sort(key=lambda r: (not r["flagged"], r["p"].item.code))
    return TemplateResponse(
        request,
        "itembank/admin/parameter_set.html",
        {
            "pset": pset,
            "rows": rows,
            "params": params,
            "activations": pset.activations.all(),
            "can_activate": request.user.has_perm("itembank.activate_parameterset"),
            "in_review": pset.status == ReviewStatus.IN_REVIEW,
            "n_flagged": len(flagged),
            "domains": evidence.get("domains", {}),
            "rules": evidence.get("rules", {}),
            "page_title": pset.name,
            "valid": _valid(params),
        },
    )


# Flag codes of the calibration evidence (assessment.survey.pipeline.evidence).
GROUP_LABELS = {
    "sex": gettext_lazy("Sex"),
    "age_band": gettext_lazy("Age band"),
    "district_group": gettext_lazy("District group"),
}


def _dif_summary(dif: dict) -> list[dict]:
    """One line per grouping: the worst ETS (MH) and Jodoin–Gierl (logistic) class."""
    return [
        {
            "group": GROUP_LABELS.get(name, name),
            "mh": v.get("mh_class", ""),
            "logistic": v.get("logistic_class", ""),
        }
        for name, v in sorted(dif.items())
    ]


@require_POST
def parameter_set_review_view(request, pk):
    _require(request, "itembank.activate_parameterset")
    pset = _or_404(parameter_set_by_id(pk))
    approve = request.POST.get("decision") == "approve"
    try:
        parameter_set_review(
            parameter_set=pset,
            reviewer=request.user,
            approve=approve,
            comment=request.POST.get("comment", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Parameter set approved.") if approve else _("Parameter set rejected."),
        )
    return redirect("itembank_admin:parameter_set", pk=pk)


def _valid(params) -> str:
    if not params:
        return _("The set holds no parameters.")
    try:
        parameters_to_arrays(params)
    except ValueError as exc:
        return str(exc)
    return ""


@require_POST
def parameter_set_activate_view(request, pk):
    _require(request, "itembank.activate_parameterset")
    pset = _or_404(parameter_set_by_id(pk))
    comment = request.POST.get("comment", "").strip()
    if not comment:
        messages.error(request, _("Say why this set is approved (comment required)."))
        return redirect("itembank_admin:parameter_set", pk=pk)
    try:
        parameter_set_activate(
            parameter_set=pset, approved_by=request.user, comment=comment
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Parameter set activated."))
    return redirect("itembank_admin:parameter_set", pk=pk)


def cut_score_sets(request):
    """Every cut-score version per domain, with review and activation (researchers)."""

    _require(request, "itembank.view_itemparameterset")
    rows = []
    for c in cut_score_sets_all():
        rows.append(
            {"set": c, "levels": domain_levels(c.domain.code, cut_score_set_id=c.pk)}
        )
    return TemplateResponse(
        request,
        "itembank/admin/cut_score_sets.html",
        {
            "rows": rows,
            "can_review": request.user.has_perm("itembank.activate_parameterset"),
            "page_title": _("Cut-score sets"),
        },
    )


@require_POST
def cut_score_set_decide(request, pk):
    """Approve, reject or activate one cut-score version."""

    _require(request, "itembank.activate_parameterset")
    row = _or_404(cut_score_set_by_id(pk))
    decision = request.POST.get("decision")
    try:
        if decision == "activate":
            cut_score_set_activate(cut_score_set=row, activated_by=request.user)
        else:
            cut_score_set_review(
                cut_score_set=row,
                reviewer=request.user,
                approve=decision == "approve",
                comment=request.POST.get("comment", ""),
            )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Cut-score set %(set)s updated.") % {"set": row.label}
        )
    return redirect("itembank_admin:cut_score_sets")


def import_items(request):
    _require(request, "itembank.add_item")
    report = None
    if request.method == "POST" and request.FILES.get("file"):
        upload = request.FILES["file"]
        if upload.size > 5 * 1024 * 1024:
            messages.error(request, _("The file is larger than 5 MB."))
        elif upload.name.lower().endswith(".zip"):
            try:
                created = import_package(
                    upload.read(),
                    user=request.user,
                    default_domain=request.POST.get("default_domain") or None,
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(
                    request,
                    _("%(n)d QTI items imported as drafts.") % {"n": len(created)},
                )
        else:
            report = items_import(
                data=upload.read(),
                filename=upload.name,
                user=request.user,
                import_valid_rows=bool(request.POST.get("import_valid_rows")),
            )
    return TemplateResponse(
        request,
        "itembank/admin/import.html",
        {
            "report": report,
            "page_title": _("Import items"),
            "domains": domains_by_code_order(),
        },
    )


def import_template(request, fmt):
    _require(request, "itembank.add_item")
    body = template_xlsx() if fmt == "xlsx" else template_csv()
    return download_response(body, filename=f"items-template.{fmt}")


def export_items(request, fmt):
    """The items (optionally ?domain=, ?kind=, ?live=1) as CSV or XLSX in the import columns."""
    from django.http import Http404, HttpResponse

    _require(request, "itembank.view_item")
    if fmt not in ("csv", "xlsx"):
        raise Http404
    try:
        items = items_for_export(
            domain_code=request.GET.get("domain") or None,
            kind=request.GET.get("kind") or None,
            live_only=request.GET.get("live") == "1",
        )
    except ValidationError as exc:
        return HttpResponse(
            " ".join(exc.messages), status=400, content_type="text/plain; charset=utf-8"
        )
    with_keys = can_see_keys(request.user)
    body = (
        items_xlsx(items, with_keys=with_keys)
        if fmt == "xlsx"
        else items_csv(items, with_keys=with_keys)
    )
    return download_response(body, filename=f"items.{fmt}")


def export_qti(request):
    # a QTI package carries the correct responses: only for those who may see keys
    _require(request, "itembank.view_item_key")
    items = items_for_qti(domain_code=request.GET.get("domain") or None)
    return download_response(export_package(items), filename="items-qti3.zip")


def _float_param(request, name, default, errors):
    raw = request.GET.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not np.isfinite(value):
        errors.append(
            _("%(name)s: “%(value)s” is not a number.") % {"name": name, "value": raw}
        )
        return default
    return value


def blueprint_assemble(request, pk):
    """Preview a form assembled from the blueprint: its items with b, and domain counts."""

    _require(request, "itembank.view_blueprint")
    blueprint = _or_404(blueprint_by_id(pk))
    errors: list[str] = []
    target_theta = _float_param(request, "target_theta", 0.0, errors)
    seed_raw = request.GET.get("seed", "").strip()
    seed = None
    if seed_raw:
        if seed_raw.isdigit():
            seed = int(seed_raw)
        else:
            errors.append(
                _("seed: “%(value)s” is not a whole number >= 0.") % {"value": seed_raw}
            )
    pset = active_parameter_set()
    rows, counts = [], []
    if not errors:
        try:
            ids = form_assemble(
                blueprint=blueprint, target_theta=target_theta, seed=seed
            )
            targets = blueprint_targets(blueprint)
        except ValidationError as exc:
            errors.extend(exc.messages)
        else:
            items = items_with_domains(ids)
            params = parameters_by_item(parameter_set=pset, item_ids=ids)
            for pos, item_id in enumerate(ids, start=1):
                item = items[item_id]
                param = params.get(item_id)
                rows.append(
                    {
                        "pos": pos,
                        "item": item,
                        "domain": domain_label(item.domain),
                        "b": param.b if param else None,
                        "a": param.a if param else None,
                    }
                )

            subtrees = domain_subtrees(list(targets))
            domains = domains_by_code(list(targets))
            for code, target in targets.items():
                chosen = [
                    r for r in rows if r["item"].domain_id in subtrees.get(code, ())
                ]
                bs = [r["b"] for r in chosen if r["b"] is not None]
                counts.append(
                    {
                        "code": code,
                        "label": domain_label(domains[code]),
                        "target": target,
                        "chosen": len(chosen),
                        "b_min": min(bs) if bs else None,
                        "b_max": max(bs) if bs else None,
                    }
                )
    coverage = (
        blueprint_reference_coverage(
            blueprint=blueprint,
            item_domains={r["item"].pk: r["item"].domain_id for r in rows},
        )
        if rows
        else []
    )
    return TemplateResponse(
        request,
        "itembank/admin/blueprint_assemble.html",
        {
            "blueprint": blueprint,
            "rows": rows,
            "counts": counts,
            "errors": errors,
            "coverage": coverage,
            "pset": pset,
            "target_theta": target_theta,
            "seed": seed_raw,
            "page_title": _("Assemble a form: %(name)s") % {"name": blueprint.name_zh},
        },
    )


urlpatterns = [
    path("blueprint/<int:pk>/assemble/", blueprint_assemble, name="blueprint_assemble"),
    path("cut-score-sets/", cut_score_sets, name="cut_score_sets"),
    path(
        "cut-score-sets/<int:pk>/decide/",
        cut_score_set_decide,
        name="cut_score_set_decide",
    ),
    path("export/qti/", export_qti, name="export_qti"),
    path("export/items.<str:fmt>", export_items, name="export_items"),
    path("import/", import_items, name="import"),
    path("import/template.<str:fmt>", import_template, name="import_template"),
    path("item/<int:pk>/", item_detail, name="item_detail"),
    path("overview/", bank_overview, name="overview"),
    path("parameter-set/<int:pk>/", parameter_set_detail, name="parameter_set"),
    path(
        "parameter-set/<int:pk>/review/",
        parameter_set_review_view,
        name="parameter_set_review",
    ),
    path(
        "parameter-set/<int:pk>/activate/",
        parameter_set_activate_view,
        name="parameter_set_activate",
    ),
]
