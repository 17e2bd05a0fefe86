"""Reference taxonomies: DigComp 2.2 and UNESCO's DLGF, kept as versioned files in
``data/taxonomies/``, loaded into :class:`ReferenceFramework` rows, and the reads that group
items by their reference areas (the Wright map, blueprint coverage, the API).

A file names its framework ``code`` and ``version``. Loading the same file again writes
nothing; a file with a new ``version`` becomes a new framework row next to the old one.
A loaded version whose competences domains already map to is never rewritten: a change
needs a new version. A bad file is refused whole, with the file and the entry named.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Domain, ReferenceCompetence, ReferenceFramework
from .selectors import blueprint_targets, domain_subtrees

DATA_DIR = Path(__file__).resolve().parent / "data" / "taxonomies"

_FRAMEWORK_FIELDS = (
    "framework",
    "version",
    "short_name",
    "name_zh",
    "name_en",
    "publisher",
    "citation",
    "url",
    "licence",
)
_AREA_ID = re.compile(r"\d{1,2}")
_COMPETENCE_ID = re.compile(r"(\d{1,2})\.(\d{1,2})")


# -- loading (the only writer of reference rows) ------------------------------------------


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _names_check(entry: Mapping[str, Any], where: str) -> None:
    for key in ("name_en", "name_zh"):
        if not _text(entry.get(key)):
            raise ValidationError(f"{where}: has no {key!r}.")
        if len(entry[key]) > 200:
            raise ValidationError(
                f"{where}: the {key!r} is longer than 200 characters."
            )


def _check(doc: Any, name: str) -> None:
    """Raise ``ValidationError`` naming the file and the first bad entry of a reference file."""
    if not isinstance(doc, dict):
        raise ValidationError(f"{name}: the file must hold one JSON object.")
    for key in _FRAMEWORK_FIELDS:
        if not _text(doc.get(key)):
            raise ValidationError(f"{name}: the framework has no {key!r}.")
    if not re.fullmatch(r"[a-z][a-z0-9_-]{0,31}", doc["framework"]):
        raise ValidationError(
            f"{name}: the framework code {doc['framework']!r} is not a slug."
        )
    if len(doc["version"]) > 16:
        raise ValidationError(
            f"{name}: the version {doc['version']!r} is longer than 16."
        )
    year = doc.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not 1990 <= year <= 2100:
        raise ValidationError(f"{name}: the framework has no valid 'year'.")
    if not str(doc["url"]).startswith(("https://", "http://")):
        raise ValidationError(f"{name}: the 'url' is not a web address.")
    areas = doc.get("areas")
    if not isinstance(areas, list) or not areas:
        raise ValidationError(f"{name}: the framework has no 'areas'.")
    seen: set[str] = set()
    for area in areas:
        area_id = area.get("ref_id") if isinstance(area, dict) else None
        where = f"{name}, area {area_id!r}"
        if not isinstance(area_id, str) or not _AREA_ID.fullmatch(area_id):
            raise ValidationError(f"{where}: the ref_id must be a number such as '1'.")
        if area_id in seen:
            raise ValidationError(f"{where}: the ref_id is listed twice.")
        seen.add(area_id)
        _names_check(area, where)
        competences = area.get("competences")
        if not isinstance(competences, list) or not competences:
            raise ValidationError(f"{where}: has no 'competences'.")
        for competence in competences:
            ref_id = competence.get("ref_id") if isinstance(competence, dict) else None
            at = f"{name}, competence {ref_id!r}"
            match = (
                _COMPETENCE_ID.fullmatch(ref_id) if isinstance(ref_id, str) else None
            )
            if match is None:
                raise ValidationError(f"{at}: the ref_id must look like '{area_id}.1'.")
            if match.group(1) != area_id:
                raise ValidationError(f"{at}: it is listed under area {area_id!r}.")
            if ref_id in seen:
                raise ValidationError(f"{at}: the ref_id is listed twice.")
            seen.add(match.group(0))
            _names_check(competence, at)


def _digest(doc: Mapping[str, Any]) -> str:
    canonical = json.dumps(
        doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _write(*, doc: Mapping[str, Any], name: str, digest: str) -> ReferenceFramework:
    framework, _created = ReferenceFramework.objects.update_or_create(
        code=doc["framework"],
        version=doc["version"],
        defaults={
            "short_name": doc["short_name"],
            "name_zh": doc["name_zh"],
            "name_en": doc["name_en"],
            "publisher": doc["publisher"],
            "year": doc["year"],
            "citation": doc["citation"],
            "url": doc["url"],
            "licence": doc["licence"],
            "translation_note": doc.get("translation_note", ""),
            "source_file": name,
            "content_sha256": digest,
        },
    )
    seen: list[str] = []
    sort = 0
    for area in doc["areas"]:
        sort += 1
        area_row, _c = ReferenceCompetence.objects.update_or_create(
            framework=framework,
            ref_id=area["ref_id"],
            defaults={
                "parent": None,
                "level": ReferenceCompetence.Level.AREA,
                "name_zh": area["name_zh"],
                "name_en": area["name_en"],
                "sort_order": sort,
            },
        )
        seen.append(area["ref_id"])
        for competence in area["competences"]:
            sort += 1
            ReferenceCompetence.objects.update_or_create(
                framework=framework,
                ref_id=competence["ref_id"],
                defaults={
                    "parent": area_row,
                    "level": ReferenceCompetence.Level.COMPETENCE,
                    "name_zh": competence["name_zh"],
                    "name_en": competence["name_en"],
                    "sort_order": sort,
                },
            )
            seen.append(competence["ref_id"])
    # children first, so an area's cascade never deletes a competence kept under another id
    stale = ReferenceCompetence.objects.filter(framework=framework).exclude(
        ref_id__in=seen
    )
    stale.filter(parent__isnull=False).delete()
    stale.delete()
    return framework


@transaction.atomic
def reference_framework_load(*, path: Path) -> tuple[ReferenceFramework, bool]:
    """Load one reference file; return its framework row and whether anything was written.

    The same file again writes nothing. Another ``version`` becomes another row. Different
    content under a version that domains already map to is refused: publish a new version.
    """
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationError(
            f"{path.name}: not a readable JSON file ({exc})."
        ) from None
    _check(doc, path.name)
    digest = _digest(doc)
    existing = ReferenceFramework.objects.filter(
        code=doc["framework"], version=doc["version"]
    ).first()
    if existing is not None and existing.content_sha256 == digest:
        return existing, False
    if (
        existing is not None
        and Domain.reference_competences.through.objects.filter(
            referencecompetence__framework=existing
        ).exists()
    ):
        raise ValidationError(
            f"{path.name}: {doc['framework']} {doc['version']} is already loaded with other "
            "content and domains map to it; it is not rewritten. Give the changed file a new "
            "'version'."
        )
    return _write(doc=doc, name=path.name, digest=digest), True


def reference_frameworks_load_kept() -> list[tuple[ReferenceFramework, bool]]:
    """Load every reference file kept in ``data/taxonomies/``, in name order."""
    return [reference_framework_load(path=p) for p in sorted(DATA_DIR.glob("*.json"))]


# The demo bank's information-literacy domains follow DigComp's five areas, so each maps to
# its area's competences in both frameworks. Science, health, learning-to-learn and the
# needs questionnaire have no counterpart in either framework and map to nothing; DLGF
# areas 0 and 6 and competence 5.5 have no demo domain (the coverage views show the gap).
DEMO_DOMAIN_MAP: dict[str, dict[str, list[str]]] = {
    "info.data": {
        "digcomp:2.2": ["1.1", "1.2", "1.3"],
        "dlgf:2018": ["1.1", "1.2", "1.3"],
    },
    "info.communication": {
        "digcomp:2.2": ["2.1", "2.2", "2.3", "2.4", "2.5", "2.6"],
        "dlgf:2018": ["2.1", "2.2", "2.3", "2.4", "2.5", "2.6"],
    },
    "info.creation": {
        "digcomp:2.2": ["3.1", "3.2", "3.3", "3.4"],
        "dlgf:2018": ["3.1", "3.2", "3.3", "3.4"],
    },
    "info.safety": {
        "digcomp:2.2": ["4.1", "4.2", "4.3", "4.4"],
        "dlgf:2018": ["4.1", "4.2", "4.3", "4.4"],
    },
    "info.problem": {
        "digcomp:2.2": ["5.1", "5.2", "5.3", "5.4"],
        "dlgf:2018": ["5.1", "5.2", "5.3", "5.4"],
    },
}


@transaction.atomic
def domain_references_set(*, domain: Domain, refs: Mapping[str, Iterable[str]]) -> None:
    """Map a domain to reference competences given as ``{"code:version": [ref_id, ...]}``.

    Replaces the domain's mapping within each framework named; other frameworks' mappings
    stay. An unknown framework or ref_id is refused by name, and nothing is changed.
    """
    wanted: list[ReferenceCompetence] = []
    replaced: list[int] = []
    for key, ref_ids in refs.items():
        framework = reference_framework_get(key=key)
        if framework is None:
            raise ValidationError(
                f"{domain.code}: no reference framework {key!r} is loaded."
            )
        ref_ids = list(ref_ids)
        rows = {c.ref_id: c for c in framework.competences.filter(ref_id__in=ref_ids)}
        missing = [r for r in ref_ids if r not in rows]
        if missing:
            raise ValidationError(f"{domain.code}: {key} has no competence {missing}.")
        wanted += [rows[r] for r in ref_ids]
        replaced.append(framework.pk)
    keep = [
        c for c in domain.reference_competences.all() if c.framework_id not in replaced
    ]
    domain.reference_competences.set(keep + wanted)


def demo_domains_map() -> int:
    """Map the demo domains (those that exist) to DigComp 2.2 and DLGF 2018; return how many."""
    domains = Domain.objects.in_bulk(list(DEMO_DOMAIN_MAP), field_name="code")
    for code, refs in DEMO_DOMAIN_MAP.items():
        if code in domains:
            domain_references_set(domain=domains[code], refs=refs)
    return len(domains)


# -- reading ------------------------------------------------------------------------------


def reference_frameworks() -> list[ReferenceFramework]:
    """Return every loaded framework version with its areas and competences prefetched."""
    from django.db.models import Prefetch

    return list(
        ReferenceFramework.objects.prefetch_related(
            Prefetch(
                "competences",
                queryset=ReferenceCompetence.objects.order_by(
                    "sort_order"
                ).prefetch_related("domains"),
            )
        )
    )


def reference_framework_get(*, key: str) -> ReferenceFramework | None:
    """Return the framework of a ``code:version`` key (or ``None``)."""
    code, sep, version = (key or "").partition(":")
    if not sep:
        return None
    return ReferenceFramework.objects.filter(code=code, version=version).first()


@dataclass(frozen=True)
class ItemGroup:
    """A column of the Wright map or a row of a coverage table: items under one heading."""

    key: str
    header: str  # short: a domain code or an area's ref_id
    label: str  # full: "1 信息与数据素养"
    item_ids: tuple[int, ...] = field(default=())
    area_pk: int | None = None  # the competence area's row, when grouped by areas


def group_by_choices() -> list[tuple[str, str]]:
    """Return the ways items can be grouped: none, own domain, each framework's areas."""
    choices = [("", _("No grouping")), ("domain", _("Own domain"))]
    for fw in ReferenceFramework.objects.all():
        choices.append(
            (
                f"areas:{fw.key}",
                _("%(framework)s competence areas") % {"framework": str(fw)},
            )
        )
    return choices


def domain_area_ids(*, framework: ReferenceFramework) -> dict[int, list[int]]:
    """Return, per domain pk, the pks of the framework's areas it maps to (one query)."""
    through = Domain.reference_competences.through
    out: dict[int, list[int]] = {}
    for domain_id, comp_id, parent_id in through.objects.filter(
        referencecompetence__framework=framework
    ).values_list(
        "domain_id", "referencecompetence_id", "referencecompetence__parent_id"
    ):
        area = parent_id or comp_id
        if area not in out.setdefault(domain_id, []):
            out[domain_id].append(area)
    return out


def items_by_area(
    *, framework: ReferenceFramework, item_domains: Mapping[int, int]
) -> list[ItemGroup]:
    """Group items (``item pk -> domain pk``) by the framework's competence areas.

    Every area is listed, empty ones too, so gaps show; an item whose domain maps to several
    areas is in each of them; items whose domain maps to none come last as "not mapped".
    Two queries, whatever the number of items.
    """
    areas = list(
        framework.competences.filter(level=ReferenceCompetence.Level.AREA).order_by(
            "sort_order"
        )
    )
    by_domain = domain_area_ids(framework=framework)
    members: dict[int, list[int]] = {a.pk: [] for a in areas}
    unmapped: list[int] = []
    for item_id, domain_id in item_domains.items():
        area_ids = by_domain.get(domain_id)
        if not area_ids:
            unmapped.append(item_id)
        for area_id in area_ids or ():
            members[area_id].append(item_id)
    groups = [
        ItemGroup(
            key=f"{framework.key}:{a.ref_id}",
            header=a.ref_id,
            label=f"{a.ref_id} {a.name_zh}",
            item_ids=tuple(members[a.pk]),
            area_pk=a.pk,
        )
        for a in areas
    ]
    groups.append(
        ItemGroup(
            key="unmapped", header="–", label=_("Not mapped"), item_ids=tuple(unmapped)
        )
    )
    return groups


def items_by_domain(
    *, domains: Sequence[Domain], item_domains: Mapping[int, int]
) -> list[ItemGroup]:
    """Group items by their own domain, in the order of ``domains`` (empty ones left out)."""
    members: dict[int, list[int]] = {}
    for item_id, domain_id in item_domains.items():
        members.setdefault(domain_id, []).append(item_id)
    return [
        ItemGroup(
            key=d.code,
            header=str(n),
            label=f"{d.name_zh} ({d.code})",
            item_ids=tuple(members[d.pk]),
        )
        for n, d in enumerate((d for d in domains if d.pk in members), start=1)
    ]


def item_groups(
    *,
    group_by: str,
    item_domains: Mapping[int, int],
    domains: Sequence[Domain] | None = None,
) -> list[ItemGroup] | None:
    """Return the groups a ``group_by`` choice asks for, or ``None`` for no grouping.

    Raises ``ValidationError`` for a choice that names no loaded framework.
    """
    if not group_by:
        return None
    if group_by == "domain":
        if domains is None:
            domains = list(Domain.objects.filter(pk__in=set(item_domains.values())))
        return items_by_domain(domains=domains, item_domains=item_domains)
    kind, _sep, key = group_by.partition(":")
    framework = reference_framework_get(key=key) if kind == "areas" else None
    if framework is None:
        raise ValidationError(_("Unknown grouping “%(value)s”.") % {"value": group_by})
    return items_by_area(framework=framework, item_domains=item_domains)


def blueprint_reference_coverage(
    *, blueprint: Any, item_domains: Mapping[int, int]
) -> list[dict[str, Any]]:
    """Return, per loaded framework, a blueprint's coverage of each competence area.

    Each row gives the area, the blueprint's domain codes whose subtree maps to it, the
    target count of the codes that map to this area alone, and how many items of the form
    (``item pk -> domain pk``) fall in it. Two queries per framework.
    """

    try:
        targets = blueprint_targets(blueprint)
    except ValidationError:
        targets = {}
    subtrees = domain_subtrees(list(targets))
    n_items = len(item_domains)
    out: list[dict[str, Any]] = []
    for framework in ReferenceFramework.objects.all():
        by_domain = domain_area_ids(framework=framework)
        groups = items_by_area(framework=framework, item_domains=item_domains)
        code_areas = {
            code: {a for d in subtrees.get(code, ()) for a in by_domain.get(d, ())}
            for code in targets
        }
        rows = []
        for g in groups:
            pk = g.area_pk
            codes = [
                c for c, areas in code_areas.items() if pk is not None and pk in areas
            ]
            rows.append(
                {
                    "header": g.header,
                    "label": g.label,
                    "codes": codes,
                    "target": sum(targets[c] for c in codes if code_areas[c] == {pk}),
                    "shared": any(len(code_areas[c]) > 1 for c in codes),
                    "chosen": len(g.item_ids),
                    "share": round(100 * len(g.item_ids) / n_items) if n_items else 0,
                    "unmapped": g.key == "unmapped",
                }
            )
        out.append({"framework": framework, "rows": rows})
    return out
