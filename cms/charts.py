"""Server-side SVG charts: accessible (title, description, data table) and printable.

Every chart is a ``Chart``: the SVG markup, plus the same data as a table that
pages show beside the image (for screen readers and when images are off), and
that the CSV download writes. The SVG itself carries the table as text in its
``<desc>`` so a downloaded file still says what it shows.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from learning_platform.security.spreadsheet import csv_safe_row

FONT = "Noto Sans CJK SC, Noto Sans SC, PingFang SC, Microsoft YaHei, sans-serif"
INK = "#1d2733"
MUTED = "#5b6673"
BAR = "#0b5cab"
GRID = "#e3e8ee"
SUPPRESSED = "#c9ced6"
# Sequential palette (light to dark blue) for the tile grid; text colour chosen per step.
PALETTE = ["#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c"]
PALETTE_TEXT = [INK, INK, INK, "#ffffff", "#ffffff"]


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: suppressed or missing, drawn as a note, never a bar
    low: float | None = None
    high: float | None = None
    note: str = ""  # e.g. "suppressed (n < 30)"
    highlight: bool = False


@dataclass
class Chart:
    slug: str
    title: str
    description: str
    columns: list[str]
    rows: list[list[str]]
    svg: str = ""
    source: str = ""
    extra: dict = field(default_factory=dict)

    def csv_text(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(csv_safe_row(self.columns))
        writer.writerows(csv_safe_row(r) for r in self.rows)
        if self.source:
            writer.writerow([])
            writer.writerow(csv_safe_row([self.source]))
        return buffer.getvalue()

    def table_text(self) -> str:
        lines = [" | ".join(self.columns)] + [" | ".join(r) for r in self.rows]
        return "\n".join(lines)


def _svg_open(chart: Chart, width: int, height: int) -> list[str]:
    tid, did = f"{chart.slug}-title", f"{chart.slug}-desc"
    desc = chart.description + "\n" + chart.table_text()
    if chart.source:
        desc += "\n" + chart.source
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="{tid} {did}" '
        f'font-family={quoteattr(FONT)} font-size="15" class="chart">',
        f'<title id="{tid}">{escape(chart.title)}</title>',
        f'<desc id="{did}">{escape(desc)}</desc>',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
    ]


def _nice_max(values: list[float], floor: float) -> float:
    top = max([floor, *values]) if values else floor
    for step in (1, 2, 5, 10, 20, 25, 50, 100):
        if top <= step * 5:
            return (
                float(step * 5)
                if top > step * 4
                else float(step * max(1, -(-top // step)))
            )
    return float(top)


def text_width(text: str, *, size: float = 15.0) -> float:
    """Estimate the drawn width of a label: CJK and full-width characters are about one em wide."""
    return sum(size if ord(ch) >= 0x2E80 else size * 0.58 for ch in text)


def bar_chart(
    chart: Chart,
    bars: list[Bar],
    *,
    unit: str = "%",
    max_value: float | None = None,
    reference: float | None = None,
    reference_label: str = "",
) -> Chart:
    """Draw horizontal bars with 95% interval whiskers; a row without a value shows its note."""
    right, row_h, top = 76, 30, 18
    # Wide enough for the longest label (a fixed 130 px clipped "智能手机与数字生活").
    label_w = int(
        min(320, max(130, 16 + max((text_width(b.label) for b in bars), default=0)))
    )
    width = 640 + max(0, label_w - 130)
    plot_w = width - label_w - right
    values = [v for b in bars for v in (b.value, b.high) if v is not None]
    vmax = max_value if max_value is not None else _nice_max(values, 1.0)
    height = top + row_h * len(bars) + 34
    x = lambda v: label_w + plot_w * max(0.0, min(v, vmax)) / vmax  # noqa: E731
    out = _svg_open(chart, width, height)
    for i in range(5 + 1):
        gv = vmax * i / 5
        gx = x(gv)
        out.append(
            f'<line x1="{gx:.1f}" y1="{top - 4}" x2="{gx:.1f}" y2="{height - 28}" stroke="{GRID}"/>'
        )
        label = f"{gv:.0f}{unit}" if vmax >= 5 else f"{gv:.1f}{unit}"
        out.append(
            f'<text x="{gx:.1f}" y="{height - 12}" text-anchor="middle" fill="{MUTED}">{escape(label)}</text>'
        )
    for i, bar in enumerate(bars):
        y = top + i * row_h
        weight = ' font-weight="700"' if bar.highlight else ""
        out.append(
            f'<text x="{label_w - 8}" y="{y + 19}" text-anchor="end" fill="{INK}"{weight}>{escape(bar.label)}</text>'
        )
        if bar.value is None:
            out.append(
                f'<rect x="{label_w}" y="{y + 5}" width="{plot_w}" height="18" fill="none" stroke="{SUPPRESSED}" stroke-dasharray="4 3"/>'
            )
            out.append(
                f'<text x="{label_w + 8}" y="{y + 19}" fill="{MUTED}">{escape(bar.note or "—")}</text>'
            )
            continue
        colour = "#08519c" if bar.highlight else BAR
        out.append(
            f'<rect x="{label_w}" y="{y + 5}" width="{x(bar.value) - label_w:.1f}" height="18" fill="{colour}" opacity="0.85"/>'
        )
        if bar.low is not None and bar.high is not None:
            x1, x2, cy = x(bar.low), x(bar.high), y + 14
            out.append(
                f'<line x1="{x1:.1f}" y1="{cy}" x2="{x2:.1f}" y2="{cy}" stroke="{INK}" stroke-width="1.5"/>'
            )
            for xx in (x1, x2):
                out.append(
                    f'<line x1="{xx:.1f}" y1="{cy - 6}" x2="{xx:.1f}" y2="{cy + 6}" stroke="{INK}" stroke-width="1.5"/>'
                )
        text_x = x(bar.high if bar.high is not None else bar.value) + 6
        value = f"{bar.value:.1f}{unit}" if unit else f"{bar.value:.2f}"
        out.append(
            f'<text x="{text_x:.1f}" y="{y + 19}" fill="{INK}">{escape(value)}</text>'
        )
    if reference is not None:
        rx = x(reference)
        out.append(
            f'<line x1="{rx:.1f}" y1="{top - 8}" x2="{rx:.1f}" y2="{height - 28}" stroke="#b3261e" stroke-dasharray="5 3" stroke-width="1.5"/>'
        )
        out.append(
            f'<text x="{rx + 4:.1f}" y="{top - 2}" fill="#b3261e" font-size="11">{escape(reference_label)}</text>'
        )
    out.append("</svg>")
    chart.svg = "\n".join(out)
    return chart


def line_chart(
    chart: Chart,
    points: list[tuple[int, float | None, float | None, float | None]],
    *,
    unit: str = "%",
) -> Chart:
    """Draw one series across waves: (year, value, low, high); missing waves leave a gap."""
    width, height, left, right, top, bottom = 640, 280, 56, 24, 20, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _y, v, lo, hi in points for v in (v, hi) if v is not None]
    vmax = _nice_max(values, 1.0)
    n = max(1, len(points) - 1)
    xs = [
        left + plot_w * (i / n if len(points) > 1 else 0.5) for i in range(len(points))
    ]
    y = lambda v: top + plot_h * (1 - max(0.0, min(v, vmax)) / vmax)  # noqa: E731
    out = _svg_open(chart, width, height)
    for i in range(6):
        gv = vmax * i / 5
        out.append(
            f'<line x1="{left}" y1="{y(gv):.1f}" x2="{width - right}" y2="{y(gv):.1f}" stroke="{GRID}"/>'
        )
        out.append(
            f'<text x="{left - 6}" y="{y(gv) + 4:.1f}" text-anchor="end" fill="{MUTED}">{gv:.0f}{escape(unit)}</text>'
        )
    path: list[str] = []
    for (year, value, low, high), px in zip(points, xs, strict=True):
        out.append(
            f'<text x="{px:.1f}" y="{height - 14}" text-anchor="middle" fill="{MUTED}">{year}</text>'
        )
        if value is None:
            out.append(
                f'<text x="{px:.1f}" y="{top + plot_h / 2:.1f}" text-anchor="middle" fill="{MUTED}">—</text>'
            )
            path.append("")
            continue
        if low is not None and high is not None:
            out.append(
                f'<line x1="{px:.1f}" y1="{y(low):.1f}" x2="{px:.1f}" y2="{y(high):.1f}" stroke="{INK}" stroke-width="1.5"/>'
            )
            for yy in (y(low), y(high)):
                out.append(
                    f'<line x1="{px - 5:.1f}" y1="{yy:.1f}" x2="{px + 5:.1f}" y2="{yy:.1f}" stroke="{INK}"/>'
                )
        out.append(f'<circle cx="{px:.1f}" cy="{y(value):.1f}" r="5" fill="{BAR}"/>')
        out.append(
            f'<text x="{px + 8:.1f}" y="{y(value) - 8:.1f}" fill="{INK}">{value:.1f}{escape(unit)}</text>'
        )
        path.append(f"{px:.1f},{y(value):.1f}")
    segment: list[str] = []
    for p in [*path, ""]:
        if p:
            segment.append(p)
            continue
        if len(segment) > 1:
            out.append(
                f'<polyline points="{" ".join(segment)}" fill="none" stroke="{BAR}" stroke-width="2"/>'
            )
        segment = []
    out.append("</svg>")
    chart.svg = "\n".join(out)
    return chart


# Map-like placement of Shanghai's 16 districts on a 5×5 grid (column, row).
TILE_POSITIONS: dict[str, tuple[int, int]] = {
    "310114": (1, 0),  # 嘉定
    "310113": (2, 0),  # 宝山
    "310151": (4, 0),  # 崇明
    "310118": (0, 1),  # 青浦
    "310107": (1, 1),  # 普陀
    "310106": (2, 1),  # 静安
    "310109": (3, 1),  # 虹口
    "310110": (4, 1),  # 杨浦
    "310117": (0, 2),  # 松江
    "310105": (1, 2),  # 长宁
    "310104": (2, 2),  # 徐汇
    "310101": (3, 2),  # 黄浦
    "310115": (4, 2),  # 浦东
    "310112": (2, 3),  # 闵行
    "310120": (3, 3),  # 奉贤
    "310116": (1, 4),  # 金山
}


def colour_step(value: float, low: float, high: float) -> int:
    if high <= low:
        return len(PALETTE) // 2
    share = (value - low) / (high - low)
    return max(0, min(len(PALETTE) - 1, int(share * len(PALETTE))))


def tile_grid(
    chart: Chart,
    tiles: list[tuple[str, str, float | None, str]],
    *,
    highlight: str | None = None,
    unit: str = "%",
) -> Chart:
    """Draw the districts as tiles coloured by value; each tile also prints its value.

    ``tiles`` are (district code, name, value or None, note); unknown codes go to a spare row.
    """
    size, gap, pad = 112, 6, 10
    values = [v for _c, _n, v, _note in tiles if v is not None]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    spare = 0
    placed = []
    for code, name, value, note in tiles:
        pos = TILE_POSITIONS.get(code)
        if pos is None:
            pos = (spare % 5, 5 + spare // 5)
            spare += 1
        placed.append((pos, code, name, value, note))
    rows = max([p[0][1] for p in placed] or [0]) + 1
    width = pad * 2 + 5 * size + 4 * gap
    legend_h = 40
    height = pad * 2 + rows * size + (rows - 1) * gap + legend_h
    out = _svg_open(chart, width, height)
    for (col, row), code, name, value, note in placed:
        x0, y0 = pad + col * (size + gap), pad + row * (size + gap)
        if value is None:
            fill, ink = SUPPRESSED, INK
        else:
            step = colour_step(value, low, high)
            fill, ink = PALETTE[step], PALETTE_TEXT[step]
        stroke = ' stroke="#f0a500" stroke-width="4"' if code == highlight else ""
        out.append(f'<g class="tile" data-district="{escape(code)}">')
        out.append(
            f'<rect x="{x0}" y="{y0}" width="{size}" height="{size}" rx="8" fill="{fill}"{stroke}/>'
        )
        out.append(
            f'<text x="{x0 + size / 2}" y="{y0 + 44}" text-anchor="middle" fill="{ink}" font-size="16" font-weight="700">{escape(name)}</text>'
        )
        shown = f"{value:.1f}{unit}" if value is not None else (note or "—")
        size_attr = "16" if value is not None else "11"
        out.append(
            f'<text x="{x0 + size / 2}" y="{y0 + 74}" text-anchor="middle" fill="{ink}" font-size="{size_attr}">{escape(shown)}</text>'
        )
        out.append("</g>")
    ly = height - legend_h + 8
    for i, colour in enumerate(PALETTE):
        lo = low + (high - low) * i / len(PALETTE)
        out.append(
            f'<rect x="{pad + i * 80}" y="{ly}" width="22" height="16" fill="{colour}"/>'
        )
        out.append(
            f'<text x="{pad + i * 80 + 28}" y="{ly + 13}" fill="{MUTED}" font-size="11">≥{lo:.0f}{escape(unit)}</text>'
        )
    out.append(
        f'<rect x="{pad + 5 * 80}" y="{ly}" width="22" height="16" fill="{SUPPRESSED}"/>'
    )
    out.append(
        f'<text x="{pad + 5 * 80 + 28}" y="{ly + 13}" fill="{MUTED}" font-size="11">—</text>'
    )
    out.append("</svg>")
    chart.svg = "\n".join(out)
    return chart


def svg_to_png(svg: str, *, scale: float = 2.0) -> bytes:
    """Render an SVG chart to PNG with CairoSVG."""
    import cairosvg

    return cairosvg.svg2png(bytestring=svg.encode("utf-8"), scale=scale)
