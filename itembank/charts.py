"""Inline SVG charts of the admin: item curves (ICC and information) and the Wright map."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from django.utils.html import escape

from psychometrics.irt import ItemParameters, category_probabilities, item_information

THETA = np.linspace(-4, 4, 81)


def item_curves(params: ItemParameters) -> dict:
    """Expected score as a share of the maximum, and Fisher information, over theta."""
    probs = category_probabilities(
        params, THETA
    )  # (items, points, categories) or similar
    probs = np.asarray(probs)
    k = int(params.n_categories[0])
    if probs.shape[0] == 1:
        p = probs[0]
    else:
        p = probs
    if p.shape[0] != THETA.size:
        p = p.T
    p = p[:, :k]
    expected = (p * np.arange(k)).sum(axis=1) / max(k - 1, 1)
    info = np.asarray(item_information(params, THETA)).reshape(-1)
    return {"theta": THETA, "expected": expected, "information": info}


def _poly(xs, ys, x0, y0, w, h, ymax) -> str:
    pts = []
    for x, y in zip(xs, ys, strict=True):
        px = x0 + (x - THETA[0]) / (THETA[-1] - THETA[0]) * w
        py = y0 + h - (float(y) / ymax) * h if ymax > 0 else y0 + h
        pts.append(f"{px:.1f},{py:.1f}")
    return " ".join(pts)


def curves_svg(params: ItemParameters, *, title: str, description: str) -> str:
    c = item_curves(params)
    w, h, x0, y0 = 360, 180, 40, 20
    imax = max(float(c["information"].max()), 0.05)
    ticks = "".join(
        f'<line x1="{x0 + (t + 4) / 8 * w:.0f}" y1="{y0 + h}" x2="{x0 + (t + 4) / 8 * w:.0f}" '
        f'y2="{y0 + h + 4}" stroke="#333"/><text x="{x0 + (t + 4) / 8 * w:.0f}" '
        f'y="{y0 + h + 16}" font-size="10" text-anchor="middle">{t}</text>'
        for t in range(-4, 5, 2)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="item-curves" role="img" '
        f'viewBox="0 0 {w + 60} {h + 60}" width="{w + 60}" height="{h + 60}" '
        f'aria-labelledby="curve-title curve-desc">'
        f'<title id="curve-title">{escape(title)}</title>'
        f'<desc id="curve-desc">{escape(description)}</desc>'
        f'<rect x="{x0}" y="{y0}" width="{w}" height="{h}" fill="none" stroke="#999"/>{ticks}'
        f'<polyline class="icc" fill="none" stroke="#1f5fa8" stroke-width="2" '
        f'points="{_poly(c["theta"], c["expected"], x0, y0, w, h, 1.0)}"/>'
        f'<polyline class="information" fill="none" stroke="#c0392b" stroke-width="2" '
        f'stroke-dasharray="5 3" points="{_poly(c["theta"], c["information"], x0, y0, w, h, imax)}"/>'
        f'<text x="{x0 + w / 2}" y="{y0 + h + 32}" font-size="11" text-anchor="middle">θ</text>'
        f'<text x="{x0 + 4}" y="{y0 + 12}" font-size="10" fill="#1f5fa8">ICC (0–1)</text>'
        f'<text x="{x0 + w - 4}" y="{y0 + 12}" font-size="10" fill="#c0392b" '
        f'text-anchor="end">I(θ) max {imax:.2f}</text></svg>'
    )


def wright_map_svg(
    difficulties: Sequence[float],
    abilities: Sequence[float],
    *,
    title: str,
    description: str,
    ability_label: str,
    item_label: str,
    groups: Sequence[tuple[str, str, Sequence[float]]] | None = None,
) -> str:
    """Persons' ability histogram (left) against item difficulties (right) on one theta axis.

    With ``groups`` (header, full label, difficulties) the right side has one column per
    group, headed by its short header, with the full label as the column's tooltip.
    """
    edges = np.arange(-4, 4.01, 0.5)
    a = np.clip(np.asarray(abilities, dtype=float), -3.99, 3.99)
    ah = np.histogram(a, edges)[0] if a.size else np.zeros(edges.size - 1, int)
    ah = ah / ah.sum() if ah.sum() else ah.astype(float)
    columns = [(None, None, difficulties)] if groups is None else list(groups)
    counts = []
    for _header, _label, values in columns:
        d = np.clip(np.asarray(values, dtype=float), -3.99, 3.99)
        counts.append(
            np.histogram(d, edges)[0] if d.size else np.zeros(edges.size - 1, int)
        )
    row, mid, half, top = 18, 220, 180, 30
    col = half if groups is None else 56
    if groups is not None:
        top = 46
    n_rows = edges.size - 1
    width = max(2 * mid, mid + 20 + col * len(columns) + 10)
    bars = []
    if groups is not None:
        for g, (header, label, _values) in enumerate(columns):
            x = mid + 20 + g * col
            bars.append(
                f'<text class="group-header" x="{x + 2}" y="{top - 6}" font-size="10">'
                f"<title>{escape(str(label))}</title>{escape(str(header))}</text>"
            )
    for i in range(n_rows):
        y = top + (n_rows - 1 - i) * row
        lo = edges[i]
        bars.append(
            f'<text x="{mid}" y="{y + 13}" font-size="10" text-anchor="middle">'
            f"{lo:+.1f}</text>"
        )
        aw = float(ah[i]) / max(float(ah.max()) if ah.size else 1.0, 1e-9) * (half - 30)
        bars.append(
            f'<rect class="ability" x="{mid - 20 - aw:.1f}" y="{y + 2}" width="{aw:.1f}" '
            f'height="{row - 4}" fill="#7fb3d5"><title>{ah[i] * 100:.1f}%</title></rect>'
        )
        for g, dh in enumerate(counts):
            x = mid + 20 + g * col
            n = int(dh[i])
            dw = min(
                n * (6 if groups is None else 4), col - (30 if groups is None else 18)
            )
            bars.append(
                f'<rect class="difficulty" x="{x}" y="{y + 2}" width="{dw}" '
                f'height="{row - 4}" fill="#e59866"><title>{n}</title></rect>'
                f'<text x="{x + 4 + dw}" y="{y + 13}" font-size="10">{n or ""}</text>'
            )
    height = top + n_rows * row + 20
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="wright-map" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="wm-title wm-desc"><title id="wm-title">{escape(title)}</title>'
        f'<desc id="wm-desc">{escape(description)}</desc>'
        f'<text x="{mid - 30}" y="18" font-size="12" text-anchor="end">{escape(ability_label)}</text>'
        f'<text x="{mid + 30}" y="18" font-size="12">{escape(item_label)}</text>'
        + "".join(bars)
        + "</svg>"
    )
