"""Load the citizen strand questionnaires' domains and items into the bank (safe to run twice)."""

from __future__ import annotations

from django.db import transaction

from .models import Domain, Item
from .services import item_create_published, review_workflow_ensure
from .strand_content import STRAND_DOMAINS, strand_item_specs


def strand_domains_ensure() -> None:
    """Create or update the ``strand`` domain tree."""
    start = Domain.objects.count() + 100
    for order, (code, parent, kind, zh, en) in enumerate(STRAND_DOMAINS):
        Domain.objects.update_or_create(
            code=code,
            defaults={
                "parent": Domain.objects.get(code=parent) if parent else None,
                "kind": kind,
                "name_zh": zh,
                "name_en": en,
                "sort_order": start + order,
            },
        )


@transaction.atomic
def strand_items_ensure(*, author=None) -> int:
    """Seed every strand item the bank does not hold yet (published outside the review);
    return how many were created."""

    strand_domains_ensure()
    review_workflow_ensure()
    existing = set(Item.objects.values_list("code", flat=True))
    created = 0
    for spec in strand_item_specs():
        if spec["code"] in existing:
            continue
        item_create_published(user=author, **spec)
        created += 1
    return created
