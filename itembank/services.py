"""State changes of the item bank."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from learning_platform.security.html import sanitise_rich_text
from psychometrics._params import MODELS

from .models import (
    CutScoreSet,
    Domain,
    Item,
    ItemOption,
    ItemParameter,
    ItemParameterSet,
    ItemStatistics,
    ParameterSetActivation,
    ProficiencyLevel,
    ReviewStatus,
)
from .payloads import validate_item
from .selectors import (
    active_parameter_set,
    blueprint_errors,
    blueprint_targets,
    domain_label,
    domain_subtrees,
    parameters_to_arrays,
    proficiency_levels,
)
from .workflows import (  # review_workflow_ensure is re-exported for the demo and tests
    REVIEW_WORKFLOW_NAME,  # noqa: F401
    review_active_state,
    review_workflow_ensure,
    step_label,
)

ITEM_FIELDS = (
    "kind",
    "scoring",
    "stem",
    "stem_en",
    "instructions",
    "instructions_en",
    "language",
    "target_population",
    "estimated_seconds",
    "author_note",
    "stem_image_alt",
    "stem_image",
)
OPTION_FIELDS = ("option_id", "text", "text_en", "is_key", "key_position", "alt")
# Rich text is rendered unescaped: it is stored only after the allow-list sanitiser.
RICH_ITEM_FIELDS = ("stem", "stem_en")
RICH_OPTION_FIELDS = ("text", "text_en")


def _options(options: Sequence[Mapping[str, Any]]) -> list[ItemOption]:
    out = []
    for pos, o in enumerate(options):
        unknown = set(o) - set(OPTION_FIELDS) - {"image"}
        if unknown:
            raise ValidationError(
                {
                    "options": _("Unknown option field(s): %(f)s.")
                    % {"f": ", ".join(sorted(unknown))}
                }
            )
        values = {
            k: (sanitise_rich_text(v) if k in RICH_OPTION_FIELDS else v)
            for k, v in o.items()
        }
        out.append(ItemOption(sort_order=pos, **values))
    return out


@transaction.atomic
def item_save_draft(
    *,
    item: Item | None = None,
    code: str | None = None,
    domain_code: str | None = None,
    options=None,
    tags=None,
    user=None,
    **fields: Any,
) -> Item:
    """Create or change an item and save a draft revision (nothing is published).

    Validates the kind, options and key first: nothing is saved from invalid input.
    """
    new = item is None
    if item is None:
        item = Item(code=code, live=False)
    elif code:
        item.code = code
    if domain_code is not None:
        domain = Domain.objects.filter(code=domain_code).first()
        if domain is None:
            raise ValidationError(
                {"domain": _("Unknown domain “%(c)s”.") % {"c": domain_code}}
            )
        item.domain = domain
    for k, v in fields.items():
        if k not in ITEM_FIELDS:
            raise ValidationError({k: _("Unknown item field.")})
        setattr(item, k, sanitise_rich_text(v) if k in RICH_ITEM_FIELDS else v)
    if options is not None:
        opts = _options(options)
    else:
        opts = list(item.options.all())
    validate_item(item, opts)
    item.full_clean(exclude=["tags"] if new else None, validate_unique=True)
    if options is not None:
        item.options = opts
    if tags is not None:
        item.tags.set(tags)
    if new or not item.live:
        item.save()
    # a published item keeps its live row; the change waits in the draft revision
    item.save_revision(user=user, clean=False)
    return item


@transaction.atomic
def item_publish(*, item: Item, user=None) -> Item:
    """Publish the item's latest revision.

    Items reach citizens through the review workflow, whose last step publishes them;
    this is the route for code that seeds a bank outside it (demo, fixtures, benchmarks:
    ``user=None``). Refused, naming the step, while the item is under review or sent back,
    and for a person publishing a version the review has not approved
    (``workflows.review_publish_check``).
    """
    revision = item.latest_revision or item.save_revision(user=user)
    obj = revision.as_object()
    validate_item(obj, list(obj.options.all()))
    revision.publish(user=user)
    item.refresh_from_db()
    return item


def item_create_published(*, user=None, **kwargs: Any) -> Item:
    """Seed the bank: save a draft as its author ``user`` and publish it outside the review."""
    item = item_save_draft(user=user, **kwargs)
    return item_publish(item=item, user=None)


# -- review ---------------------------------------------------------------------------------


@transaction.atomic
def item_review_submit(*, item: Item, user) -> Item:
    """Submit the item's latest revision to the review, or resubmit it after changes."""
    from wagtail.models import WorkflowState

    state = review_active_state(item)
    if state is not None and state.status == WorkflowState.STATUS_IN_PROGRESS:
        raise ValidationError(
            {
                "review": _("%(code)s is already under review (at “%(step)s”).")
                % {
                    "code": item.code,
                    "step": step_label(state.current_task_state.task.name),
                }
            }
        )
    if state is not None:
        state.resume(user=user)
    else:
        review_workflow_ensure().start(item, user)
    item.refresh_from_db()
    return item


@transaction.atomic
def item_review_decide(*, item: Item, user, approve: bool, comment: str = "") -> Item:
    """Approve the item's current review step, or send it back to the author with a comment.

    Only the step's own role (or a superuser) may decide it; the last approval publishes.
    """
    from wagtail.models import WorkflowState

    state = review_active_state(item)
    if state is None or state.status != WorkflowState.STATUS_IN_PROGRESS:
        raise ValidationError(
            {
                "review": _("%(code)s is not waiting for a review step.")
                % {"code": item.code}
            }
        )
    task_state = state.current_task_state
    task = task_state.task.specific
    action = "approve" if approve else "reject"
    if action not in {name for name, _label, _data in task.get_actions(item, user)}:
        raise PermissionDenied(
            _("Only the reviewers of “%(step)s” may decide this step.")
            % {"step": step_label(task.name)}
        )
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationError({"comment": _("Say what the author should change.")})
    task.on_action(task_state, user, action, comment=comment)
    item.refresh_from_db()
    return item


def item_statistics_update(
    *, item_id: int, scores, rest_scores, seconds, omitted
) -> ItemStatistics:
    """Recompute an item's classical statistics from all its responses (plain arrays).

    ``scores`` are score categories (nan where omitted), ``rest_scores`` each
    respondent's total on the other items, ``seconds`` the time spent, ``omitted``
    booleans. p-value is the mean score as a share of the maximum category.
    """
    s = np.asarray(scores, dtype=float).reshape(-1)
    r = np.asarray(rest_scores, dtype=float).reshape(-1)
    t = np.asarray(seconds, dtype=float).reshape(-1)
    om = np.asarray(omitted, dtype=bool).reshape(-1)
    n = s.size
    for name, arr in (("rest_scores", r), ("seconds", t), ("omitted", om)):
        if arr.size != n:
            raise ValidationError(
                {
                    name: _("%(name)s has %(m)d values; scores has %(n)d.")
                    % {"name": name, "m": arr.size, "n": n}
                }
            )
    item = Item.objects.filter(pk=item_id).first()
    if item is None:
        raise ValidationError({"item_id": _("Unknown item %(id)s.") % {"id": item_id}})
    answered = ~om & ~np.isnan(s)
    max_cat = (
        max(len(item.options.all()) - 1, 1)
        if item.kind in ("ordered", "likert")
        else None
    )
    if item.kind == "multiple_response" and item.scoring == "partial":
        max_cat = max(sum(1 for o in item.options.all() if o.is_key), 1)
    max_cat = max_cat or 1
    p_value = float(np.mean(s[answered]) / max_cat) if answered.any() else None
    corr = None
    ok = answered & ~np.isnan(r)
    if ok.sum() >= 3 and np.std(s[ok]) > 0 and np.std(r[ok]) > 0:
        corr = float(np.corrcoef(s[ok], r[ok])[0, 1])
    tt = t[~np.isnan(t)]
    stats, _created = ItemStatistics.objects.update_or_create(
        item_id=item_id,
        defaults={
            "exposure_count": int(n),
            "p_value": p_value,
            "item_rest_correlation": corr,
            "omit_rate": float(om.mean()) if n else None,
            "mean_seconds": float(tt.mean()) if tt.size else None,
        },
    )
    return stats


def _param_row(
    pset: ItemParameterSet, item_id: int, default_model: str, values: Mapping[str, Any]
) -> ItemParameter:
    fallback = default_model.lower() if default_model.lower() in MODELS else "2pl"
    model = str(values.get("model", fallback)).lower()
    where = _("item %(id)s") % {"id": item_id}
    if model not in MODELS:
        raise ValidationError(
            {"items": _("%(w)s: unknown model “%(m)s”.") % {"w": where, "m": model}}
        )
    a = float(values.get("a", 1.0))
    if not np.isfinite(a) or a <= 0:
        raise ValidationError(
            {"items": _("%(w)s: discrimination a must be > 0.") % {"w": where}}
        )
    thresholds = [float(x) for x in values.get("thresholds") or []]
    b = values.get("b")
    if model in ("grm", "gpcm"):
        if not thresholds:
            raise ValidationError(
                {
                    "items": _("%(w)s: a %(m)s item needs thresholds.")
                    % {"w": where, "m": model}
                }
            )
        b = float(np.mean(thresholds))
    elif b is None:
        raise ValidationError({"items": _("%(w)s: b is required.") % {"w": where}})
    c = float(values.get("c") or 0.0)
    if model == "3pl" and not 0 <= c < 1:
        raise ValidationError(
            {"items": _("%(w)s: c must be in [0, 1).") % {"w": where}}
        )
    return ItemParameter(
        parameter_set=pset,
        item_id=item_id,
        model=model,
        a=a,
        b=float(b),
        c=c,
        thresholds=thresholds,
        se=dict(values.get("se") or {}),
        fit=dict(values.get("fit") or {}),
    )


@transaction.atomic
def parameter_set_create(
    *,
    name: str,
    model: str,
    items: Mapping[int, dict],
    source: str,
    created_by=None,
    data_note: str = "",
    is_demo: bool = False,
) -> ItemParameterSet:
    """Store a calibration run's parameters; the set is inactive until activated."""
    if not items:
        raise ValidationError({"items": _("A parameter set needs at least one item.")})
    known = set(
        Item.objects.filter(pk__in=[int(i) for i in items]).values_list("pk", flat=True)
    )
    missing = sorted(int(i) for i in items if int(i) not in known)
    if missing:
        raise ValidationError(
            {
                "items": _("Unknown item(s): %(ids)s.")
                % {"ids": ", ".join(map(str, missing))}
            }
        )
    pset = ItemParameterSet.objects.create(
        name=name,
        model=model,
        source=source,
        created_by=created_by,
        data_note=data_note,
        is_demo=is_demo,
    )
    rows = [_param_row(pset, int(i), model, v) for i, v in items.items()]

    try:
        parameters_to_arrays(
            rows
        )  # the engine's own checks (ordered GRM thresholds, ...)
    except ValueError as exc:
        raise ValidationError({"items": str(exc)}) from exc
    ItemParameter.objects.bulk_create(rows)
    return pset


@transaction.atomic
def parameter_set_activate(
    *, parameter_set: ItemParameterSet, approved_by, comment: str = ""
) -> ItemParameterSet:
    """Make this set the one scoring and CAT use; the previous one stays in the history."""
    if approved_by is None and not parameter_set.is_demo:
        raise ValidationError(
            {"approved_by": _("Activating a parameter set needs an approver.")}
        )
    if parameter_set.status == ReviewStatus.REJECTED:
        raise ValidationError(
            {
                "parameter_set": _(
                    "Parameter set “%(name)s” was rejected in review and cannot be activated."
                )
                % {"name": parameter_set.name}
            }
        )
    previous = (
        ItemParameterSet.objects.select_for_update().filter(is_active=True).first()
    )
    if previous is not None and previous.pk == parameter_set.pk:
        raise ValidationError(
            {"parameter_set": _("This parameter set is already active.")}
        )
    if previous is not None:
        previous.is_active = False
        previous.save(update_fields=["is_active"])
    parameter_set.is_active = True
    parameter_set.activated_at = timezone.now()
    parameter_set.approved_by = approved_by
    parameter_set.approval_comment = comment
    if parameter_set.status != ReviewStatus.APPROVED:  # activating approves it
        parameter_set.status = ReviewStatus.APPROVED
        parameter_set.reviewed_at = parameter_set.activated_at
    parameter_set.save(
        update_fields=[
            "is_active",
            "activated_at",
            "approved_by",
            "approval_comment",
            "status",
            "reviewed_at",
        ]
    )
    ParameterSetActivation.objects.create(
        parameter_set=parameter_set,
        previous=previous,
        approved_by=approved_by,
        comment=comment,
    )
    # Delivery's adaptive pools are cached under the active set's id, so they need no
    # clearing here: the next answer reads the new set and builds its own pool.
    return parameter_set


# -- parameter review -----------------------------------------------------------------


@transaction.atomic
def parameter_set_review(
    *, parameter_set: ItemParameterSet, reviewer, approve: bool, comment: str = ""
) -> ItemParameterSet:
    """Approve or reject a parameter set in review (approval does not activate it)."""
    pset = ItemParameterSet.objects.select_for_update().get(pk=parameter_set.pk)
    if reviewer is None:
        raise ValidationError({"reviewer": _("A review needs a reviewer.")})
    if pset.status != ReviewStatus.IN_REVIEW:
        raise ValidationError(
            {
                "parameter_set": _(
                    "Parameter set “%(name)s” is not in review (it is %(status)s)."
                )
                % {"name": pset.name, "status": pset.get_status_display()}
            }
        )
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationError({"comment": _("Say why the parameter set is rejected.")})
    pset.status = ReviewStatus.APPROVED if approve else ReviewStatus.REJECTED
    pset.reviewed_at = timezone.now()
    pset.approved_by = reviewer if approve else None
    pset.approval_comment = comment
    pset.save(
        update_fields=["status", "reviewed_at", "approved_by", "approval_comment"]
    )
    return pset


def parameter_set_require_approved(
    *, parameter_set_id: int | None, what: str
) -> ItemParameterSet:
    """The approved parameter set, or a ``ValidationError`` naming the set and ``what`` refused."""
    pset = (
        ItemParameterSet.objects.filter(pk=parameter_set_id).first()
        if parameter_set_id
        else None
    )
    if pset is None:
        raise ValidationError(
            {
                "parameter_set": _(
                    "%(what)s refused: parameter set #%(id)s does not exist."
                )
                % {"what": what, "id": parameter_set_id}
            }
        )
    if pset.status != ReviewStatus.APPROVED:
        raise ValidationError(
            {
                "parameter_set": _(
                    "%(what)s refused: parameter set “%(name)s” (#%(id)s) has not been approved "
                    "(it is %(status)s). Review and approve it first."
                )
                % {
                    "what": what,
                    "name": pset.name,
                    "id": pset.pk,
                    "status": pset.get_status_display(),
                }
            }
        )
    return pset


@transaction.atomic
def parameter_set_evidence_store(
    *,
    parameter_set: ItemParameterSet,
    evidence: Mapping[str, Any],
    item_fit: Mapping[int, Mapping[str, Any]],
) -> ItemParameterSet:
    """Keep a calibration's review evidence on the set and each item's fit on its row."""
    rows = {
        p.item_id: p for p in ItemParameter.objects.filter(parameter_set=parameter_set)
    }
    changed = []
    for item_id, fit in item_fit.items():
        row = rows.get(int(item_id))
        if row is not None:
            row.fit = dict(fit)
            changed.append(row)
    ItemParameter.objects.bulk_update(changed, ["fit"])
    ItemParameterSet.objects.filter(pk=parameter_set.pk).update(evidence=dict(evidence))
    parameter_set.refresh_from_db(fields=["evidence"])
    return parameter_set


# -- cut scores ---------------------------------------------------------------------------


def _cut_levels(levels: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for k, lv in enumerate(levels):
        code = str(lv.get("code") or "").strip()
        if not code:
            raise ValidationError(
                {"levels": _("Level %(n)s has no code.") % {"n": k + 1}}
            )
        cut = lv.get("min_theta")
        if k == 0:
            cut = None
        elif cut is None:
            raise ValidationError(
                {
                    "levels": _("Level %(code)s needs a cut score (theta).")
                    % {"code": code}
                }
            )
        out.append(
            {
                "code": code,
                "min_theta": None if cut is None else float(cut),
                "attained": bool(lv.get("attained")),
            }
        )
    if len(out) < 2:
        raise ValidationError(
            {"levels": _("A cut-score set needs at least two levels.")}
        )
    if sum(lv["attained"] for lv in out) != 1:
        raise ValidationError(
            {"levels": _("Mark exactly one level as the attainment level.")}
        )
    probe = CutScoreSet(levels=out, domain=Domain(code="?"))
    try:
        proficiency_levels(probe, "?")
    except (ValueError, TypeError) as exc:
        raise ValidationError({"levels": str(exc)}) from exc
    return out


@transaction.atomic
def cut_score_set_create(
    *,
    domain: Domain,
    levels: Sequence[Mapping[str, Any]],
    scale: str,
    set_by: str,
    set_on,
    method: str = "",
    note: str = "",
    created_by=None,
) -> CutScoreSet:
    """Record a standard setting as a new version in review (old versions never change)."""
    checked = _cut_levels(levels)
    if not (scale or "").strip():
        raise ValidationError({"scale": _("Say which scale the cut scores are on.")})
    if not (set_by or "").strip():
        raise ValidationError({"set_by": _("Say who set the cut scores.")})
    last = (
        CutScoreSet.objects.select_for_update()
        .filter(domain=domain)
        .order_by("-version")
        .first()
    )
    return CutScoreSet.objects.create(
        domain=domain,
        version=(last.version + 1) if last else 1,
        levels=checked,
        scale=scale.strip(),
        method=(method or "").strip(),
        set_by=set_by.strip(),
        set_on=set_on,
        note=note,
        created_by=created_by,
    )


@transaction.atomic
def cut_score_set_review(
    *, cut_score_set: CutScoreSet, reviewer, approve: bool, comment: str = ""
) -> CutScoreSet:
    """Approve or reject a cut-score version in review."""
    row = CutScoreSet.objects.select_for_update().get(pk=cut_score_set.pk)
    if reviewer is None:
        raise ValidationError({"reviewer": _("A review needs a reviewer.")})
    if row.status != ReviewStatus.IN_REVIEW:
        raise ValidationError(
            {
                "cut_score_set": _(
                    "Cut-score set %(set)s is not in review (it is %(status)s)."
                )
                % {"set": row, "status": row.get_status_display()}
            }
        )
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationError({"comment": _("Say why the cut-score set is rejected.")})
    row.status = ReviewStatus.APPROVED if approve else ReviewStatus.REJECTED
    row.reviewed_by, row.reviewed_at, row.review_comment = (
        reviewer,
        timezone.now(),
        comment,
    )
    row.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_comment"])
    return row


@transaction.atomic
def cut_score_set_activate(*, cut_score_set: CutScoreSet, activated_by) -> CutScoreSet:
    """Make an approved version the one of its domain; past results keep their version."""
    row = CutScoreSet.objects.select_for_update().get(pk=cut_score_set.pk)
    if row.status != ReviewStatus.APPROVED:
        raise ValidationError(
            {
                "cut_score_set": _(
                    "Cut-score set %(set)s has not been approved (it is %(status)s)."
                )
                % {"set": row, "status": row.get_status_display()}
            }
        )
    if row.is_active:
        raise ValidationError(
            {
                "cut_score_set": _("Cut-score set %(set)s is already active.")
                % {"set": row}
            }
        )
    CutScoreSet.objects.select_for_update().filter(
        domain_id=row.domain_id, is_active=True
    ).update(is_active=False)
    row.is_active, row.activated_by, row.activated_at = (
        True,
        activated_by,
        timezone.now(),
    )
    row.save(update_fields=["is_active", "activated_by", "activated_at"])
    return row


def cut_score_set_from_levels(
    *, domain: Domain, set_by: str, scale: str, note: str = ""
) -> CutScoreSet | None:
    """Approve and activate the domain's proficiency-level cut scores as a version.

    For a new bank (the demo, a fixture): the levels' ``min_theta`` are the standard
    setting; afterwards only cut-score sets change them. ``None`` with fewer than two levels.
    """
    levels = list(ProficiencyLevel.objects.filter(domain=domain).order_by("order"))
    if len(levels) < 2:
        return None
    row = cut_score_set_create(
        domain=domain,
        scale=scale,
        set_by=set_by,
        set_on=timezone.localdate(),
        note=note,
        levels=[
            {"code": lv.code, "min_theta": lv.min_theta, "attained": lv.attained}
            for lv in levels
        ],
    )
    row.status, row.reviewed_at = ReviewStatus.APPROVED, timezone.now()
    row.save(update_fields=["status", "reviewed_at"])
    return cut_score_set_activate(cut_score_set=row, activated_by=None)


# -- fixed-form assembly ---------------------------------------------------------------

ASSEMBLY_SPREAD = 3.0  # the range spans this many SDs of the target distribution
ASSEMBLY_A_BONUS = 0.1  # per unit of a: prefer discriminating items at equal distance
ASSEMBLY_JITTER = (
    0.6  # with a seed: random cost (in b units) per item, for parallel forms
)


def _difficulty_targets(n: int, lo: float, hi: float, centre: float) -> np.ndarray:
    """n target difficulties: mid-quantiles of a normal around ``centre``, cut to [lo, hi]."""
    from scipy.stats import truncnorm

    sd = (hi - lo) / ASSEMBLY_SPREAD
    centre = float(np.clip(centre, lo, hi))
    return truncnorm.ppf(
        (np.arange(n) + 0.5) / n,
        (lo - centre) / sd,
        (hi - centre) / sd,
        loc=centre,
        scale=sd,
    )


def _assembly_candidates(*, blueprint, parameter_set, exclude, language):
    """Per blueprint domain code: the published ability items (with b, if parameters)."""

    codes = [str(c) for c in blueprint.content]
    subtrees = domain_subtrees(codes)
    base = (
        Item.objects.filter(
            live=True, live_revision__isnull=False, domain__kind=Domain.Kind.ABILITY
        )
        .exclude(kind=Item.Kind.LIKERT)
        .exclude(pk__in=[int(i) for i in exclude])
    )
    if language:
        base = base.filter(language=language)
    params: dict[int, ItemParameter] = {}
    if parameter_set is not None:
        params = {
            p.item_id: p
            for p in ItemParameter.objects.filter(
                parameter_set=parameter_set, item__in=base
            )
        }
    out: dict[str, list[int]] = {}
    for code in codes:
        ids = list(
            base.filter(domain_id__in=subtrees.get(code, set()))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if parameter_set is not None:
            ids = [
                i
                for i in ids
                if i in params
                and params[i].b is not None
                and blueprint.difficulty_min <= params[i].b <= blueprint.difficulty_max
            ]
        out[code] = ids
    return out, params


def form_assemble(
    *,
    blueprint,
    parameter_set: ItemParameterSet | None = None,
    target_theta: float = 0.0,
    seed: int | None = None,
    exclude: Sequence[int] = (),
    language: str | None = None,
) -> list[int]:
    """Assemble a fixed form from the blueprint; return its item ids, easiest first.

    Picks published ability items (not Likert) so that each domain code of the
    blueprint (with its subdomains) gets exactly its target count, and, with parameters
    (``parameter_set``, else the active set), only items whose b lies in the
    blueprint's difficulty range. Within each domain, difficulty is stratified: the
    domain's n items are matched (optimal assignment) to n target difficulties, the
    mid-quantiles of a normal centred on ``target_theta`` whose ±1.5 SD spans the range,
    so every domain covers the range with most items near the target; among items
    equally close, higher discrimination wins. ``seed`` adds a random cost per item so
    that seeds give different, reproducible parallel forms; without it the assembly is
    deterministic. Without any parameter set the range cannot be checked and each
    domain's items are drawn at random (seed 0 by default).

    Raises ``ValidationError`` naming every domain the bank cannot fill.
    """
    from scipy.optimize import linear_sum_assignment

    errors = blueprint_errors(
        content=blueprint.content,
        length=blueprint.length,
        difficulty_min=blueprint.difficulty_min,
        difficulty_max=blueprint.difficulty_max,
    )
    if errors:
        raise ValidationError(errors)
    targets = blueprint_targets(blueprint)
    pset = parameter_set if parameter_set is not None else active_parameter_set()
    candidates, params = _assembly_candidates(
        blueprint=blueprint, parameter_set=pset, exclude=exclude, language=language
    )
    domains = {
        d.code: d
        for d in Domain.objects.filter(code__in=list(targets)).select_related(
            "parent__parent__parent"
        )
    }
    short = []
    for code, need in targets.items():
        have = len(candidates[code])
        if have >= need:
            continue
        where = f"{domain_label(domains[code])} ({code})"
        if pset is not None:
            short.append(
                _(
                    "%(where)s: needs %(need)d items, bank has %(have)d published with "
                    "parameters in [%(lo)g, %(hi)g]."
                )
                % {
                    "where": where,
                    "need": need,
                    "have": have,
                    "lo": blueprint.difficulty_min,
                    "hi": blueprint.difficulty_max,
                }
            )
        else:
            short.append(
                _("%(where)s: needs %(need)d items, bank has %(have)d published.")
                % {"where": where, "need": need, "have": have}
            )
    if short:
        raise ValidationError({"content": short})

    rng = np.random.default_rng(seed if seed is not None else 0)
    chosen: list[int] = []
    for code, need in targets.items():
        ids = candidates[code]
        if need == 0:
            continue
        if pset is None:
            chosen.extend(int(i) for i in rng.permutation(ids)[:need])
            continue
        b = np.array([params[i].b for i in ids])
        a = np.array([min(params[i].a, 3.0) for i in ids])
        points = _difficulty_targets(
            need, blueprint.difficulty_min, blueprint.difficulty_max, target_theta
        )
        cost = np.abs(b[:, None] - points[None, :]) - ASSEMBLY_A_BONUS * a[:, None]
        if seed is not None:
            cost = cost + rng.uniform(0, ASSEMBLY_JITTER, size=(len(ids), 1))
        rows, _cols = linear_sum_assignment(cost)
        chosen.extend(ids[r] for r in rows)
    if pset is None:
        return chosen
    return sorted(chosen, key=lambda i: (params[i].b, i))
