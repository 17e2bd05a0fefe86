"""A small server-side SVG chart of results over time per domain (no JavaScript needed)."""

from __future__ import annotations

from datetime import date
from html import escape

from django.utils.safestring import SafeString, mark_safe

PALETTE = ["#0b5cab", "#c2410c", "#15803d", "#7c3aed", "#be185d", "#0e7490", "#4d7c0f"]
WIDTH, HEIGHT = 360, 220
LEFT, RIGHT, TOP, BOTTOM = 34, 12, 12, 30


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def results_chart_svg(
    series: dict[str, list[tuple[date, float, float | None]]],
    names: dict[str, str],
    *,
    title: str,
    axis_label: str,
) -> SafeString:
    """Return an accessible SVG line chart: one line per domain, θ with ±1 SE bars.

    ``series`` maps a domain code to (day, theta, se) points in time order.
    """
    points = [p for values in series.values() for p in values]
    if not points:
        return mark_safe("")
    days = [p[0].toordinal() for p in points]
    lows = [p[1] - (p[2] or 0) for p in points]
    highs = [p[1] + (p[2] or 0) for p in points]
    y_min = min(-3.0, float(int(min(lows)) - 1))
    y_max = max(3.0, float(int(max(highs)) + 1))
    d_min, d_max = min(days), max(days)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: date) -> float:
        if d_max == d_min:
            return LEFT + plot_w / 2
        return LEFT + (day.toordinal() - d_min) / (d_max - d_min) * plot_w

    def y(theta: float) -> float:
        return TOP + (y_max - theta) / (y_max - y_min) * plot_h

    parts = [
        f'<svg class="results-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="#fff" '
        'stroke="#d5dbe2"/>',
    ]
    tick = int(y_min)
    while tick <= y_max:
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_fmt(y(tick))}" y2="{_fmt(y(tick))}" '
            f'stroke="{"#9aa5b1" if tick == 0 else "#eef1f4"}"/>'
            f'<text x="{LEFT - 4}" y="{_fmt(y(tick) + 4)}" font-size="10" text-anchor="end" '
            f'fill="#5b6673">{tick}</text>'
        )
        tick += 1
    parts.append(
        f'<text x="10" y="{_fmt(TOP + plot_h / 2)}" font-size="10" fill="#5b6673" '
        f'transform="rotate(-90 10 {_fmt(TOP + plot_h / 2)})" text-anchor="middle">'
        f"{escape(axis_label)}</text>"
    )
    first, last = min(p[0] for p in points), max(p[0] for p in points)
    parts.append(
        f'<text x="{LEFT}" y="{HEIGHT - 12}" font-size="10" fill="#5b6673">{first.isoformat()}</text>'
    )
    if last != first:
        parts.append(
            f'<text x="{WIDTH - RIGHT}" y="{HEIGHT - 12}" font-size="10" fill="#5b6673" '
            f'text-anchor="end">{last.isoformat()}</text>'
        )
    for index, (code, values) in enumerate(sorted(series.items())):
        colour = PALETTE[index % len(PALETTE)]
        name = escape(names.get(code, code))
        coords = " ".join(f"{_fmt(x(d))},{_fmt(y(t))}" for d, t, _se in values)
        parts.append(f'<g class="series" data-domain="{escape(code)}">')
        if len(values) > 1:
            parts.append(
                f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        for d, t, se in values:
            if se:
                parts.append(
                    f'<line x1="{_fmt(x(d))}" x2="{_fmt(x(d))}" y1="{_fmt(y(t - se))}" '
                    f'y2="{_fmt(y(t + se))}" stroke="{colour}" stroke-opacity=".5"/>'
                )
            parts.append(
                f'<circle cx="{_fmt(x(d))}" cy="{_fmt(y(t))}" r="3.5" fill="{colour}">'
                f"<title>{name} {d.isoformat()}: {t:.2f}"
                + (f" ± {se:.2f}" if se else "")
                + "</title></circle>"
            )
        parts.append("</g>")
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every interpolated text is escaped above


def legend(series_codes: list[str], names: dict[str, str]) -> list[dict[str, str]]:
    """Return the colour and name of each line, in the chart's order."""
    return [
        {
            "code": code,
            "name": names.get(code, code),
            "colour": PALETTE[i % len(PALETTE)],
        }
        for i, code in enumerate(sorted(series_codes))
    ]
