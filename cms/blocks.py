"""StreamField blocks of survey reports: every figure comes from the report's roll-up snapshot.

A figure block stores only *what* to show (domain, indicator, district); the
numbers come from the page's frozen snapshot at render time. A block that asks
for something the roll-up does not hold renders a clear message instead.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock

from cms.charts import Bar, Chart, bar_chart, line_chart
from cms.figures import (
    DOMAIN_NAMES,
    PERCENT_INDICATORS,
    Figures,
    FiguresUnavailable,
    domain_name,
    indicator_name,
)
from cms.methods import methods_describe
from learning_platform.districts.models import District


def domain_choices() -> list[tuple[str, str]]:
    return [(code, f"{zh} / {en}") for code, (zh, en) in DOMAIN_NAMES.items()]


def needs_domain_choices() -> list[tuple[str, str]]:
    return [c for c in domain_choices() if c[0].startswith("needs")]


def district_choices() -> list[tuple[str, str]]:
    # The blank choice ChoiceBlock adds for an optional field means the whole city.
    return [
        (d.code, f"{d.name_zh} {d.code}")
        for d in District.objects.order_by("sort_order", "code")
    ]


RATE_INDICATORS = [
    ("attainment_rate", gettext_lazy("Attainment rate (%)")),
    ("mean_theta", gettext_lazy("Mean ability (θ)")),
]


def _unit(indicator: str) -> str:
    return "%" if indicator in PERCENT_INDICATORS else ""


def _fmt(value: float | None, indicator: str) -> str:
    if value is None:
        return ""
    return f"{value:.1f}" if indicator in PERCENT_INDICATORS else f"{value:.3f}"


class FigureBlock(blocks.StructBlock):
    """Base of blocks that read the roll-up: put the figures or the error into the context."""

    def build(self, figures: Figures, value) -> dict:
        raise NotImplementedError

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        figures = (parent_context or {}).get("figures")
        error = (parent_context or {}).get("figures_error")
        context["block_id"] = (parent_context or {}).get("block_id")
        try:
            if figures is None:
                raise FiguresUnavailable(
                    error
                    or _("This report has no roll-up figures yet; choose a roll-up.")
                )
            context.update(self.build(figures, value))
            context["source"] = figures.source_text
        except FiguresUnavailable as exc:
            context["error"] = str(exc)
        return context


class ChartBlock(FigureBlock):
    """A figure block drawn as an SVG chart, downloadable as PNG and CSV."""

    def chart(self, figures: Figures, value, slug: str = "chart") -> Chart:
        raise NotImplementedError

    def build(self, figures: Figures, value) -> dict:
        chart = self.chart(figures, value)
        chart.source = figures.source_text
        return {"chart": chart}


class HeadlineFigureBlock(FigureBlock):
    domain = blocks.ChoiceBlock(
        choices=domain_choices, default="info", label=gettext_lazy("domain")
    )
    indicator = blocks.ChoiceBlock(
        choices=RATE_INDICATORS,
        default="attainment_rate",
        label=gettext_lazy("indicator"),
    )
    district = blocks.ChoiceBlock(
        choices=district_choices, required=False, label=gettext_lazy("district")
    )
    label = blocks.CharBlock(
        required=False,
        label=gettext_lazy("label"),
        help_text=gettext_lazy("Leave blank to name the domain and indicator."),
    )

    def build(self, figures, value):
        figure = figures.cell(
            value["domain"], value["indicator"], value.get("district") or None
        )
        return {
            "figure": figure,
            "change": figures.change(figure),
            "heading": value.get("label")
            or f"{figure.district_name} · {domain_name(value['domain'])}{indicator_name(value['indicator'])}",
        }

    class Meta:
        template = "cms/blocks/headline.html"
        icon = "pick"
        label = gettext_lazy("Headline figure")


class DistrictTableBlock(FigureBlock):
    domain = blocks.ChoiceBlock(
        choices=domain_choices, default="info", label=gettext_lazy("domain")
    )
    indicator = blocks.ChoiceBlock(
        choices=RATE_INDICATORS,
        default="attainment_rate",
        label=gettext_lazy("indicator"),
    )

    def build(self, figures, value):
        rows = []
        domain, indicator = value["domain"], value["indicator"]
        try:
            city = figures.cell(domain, indicator, None)
        except FiguresUnavailable:
            city = None
        for figure in ([city] if city else []) + figures.district_figures(
            domain, indicator
        ):
            rows.append(
                {
                    "figure": figure,
                    "change": figures.change(figure),
                    "compared": figures.compared_with_city(figure),
                }
            )
        return {
            "rows": rows,
            "caption": f"{domain_name(domain)} · {indicator_name(indicator)}",
            "percent": indicator in PERCENT_INDICATORS,
        }

    class Meta:
        template = "cms/blocks/district_table.html"
        icon = "table"
        label = gettext_lazy("District table")


def district_bars_chart(
    figures: Figures,
    domain: str,
    indicator: str,
    *,
    slug: str = "chart",
    highlight: str | None = None,
    with_city: bool = True,
) -> Chart:
    rows = figures.district_figures(domain, indicator)
    unit = _unit(indicator)
    city = None
    if with_city:
        try:
            city = figures.cell(domain, indicator, None)
        except FiguresUnavailable:
            city = None
    bars = [
        Bar(
            label=f.district_name,
            value=f.estimate,
            low=f.ci_low,
            high=f.ci_high,
            note=_("suppressed (n = %(n)s)") % {"n": f.n} if f.suppressed else "",
            highlight=f.district_code == highlight,
        )
        for f in rows
    ]
    title = _("%(domain)s: %(indicator)s by district, with 95%% intervals") % {
        "domain": domain_name(domain),
        "indicator": indicator_name(indicator),
    }
    desc = (
        _(
            "Horizontal bars, one per district; whiskers show the 95%% confidence interval."
        )
        % {}
    )
    if city is not None and city.estimate is not None:
        desc += " " + _("Dashed line: whole city %(value)s.") % {
            "value": city.formatted()
        }
    chart = Chart(
        slug=slug,
        title=title,
        source=figures.source_text,
        description=desc,
        columns=[
            _("District"),
            _("Estimate"),
            _("SE"),
            _("95% CI low"),
            _("95% CI high"),
            "n",
            _("Suppressed"),
        ],
        rows=[
            [
                f.district_name,
                _fmt(f.estimate, indicator),
                _fmt(f.se, indicator),
                _fmt(f.ci_low, indicator),
                _fmt(f.ci_high, indicator),
                str(f.n),
                _("yes") if f.suppressed else "",
            ]
            for f in rows
        ],
    )
    return bar_chart(
        chart,
        bars,
        unit=unit,
        max_value=100.0 if unit == "%" else None,
        reference=city.estimate if city is not None else None,
        reference_label=_("City") if city is not None else "",
    )


class DistrictBarsBlock(ChartBlock):
    domain = blocks.ChoiceBlock(
        choices=domain_choices, default="info", label=gettext_lazy("domain")
    )
    indicator = blocks.ChoiceBlock(
        choices=RATE_INDICATORS,
        default="attainment_rate",
        label=gettext_lazy("indicator"),
    )

    def chart(self, figures, value, slug="chart"):
        return district_bars_chart(
            figures, value["domain"], value["indicator"], slug=slug
        )

    class Meta:
        template = "cms/blocks/chart.html"
        icon = "doc-full"
        label = gettext_lazy("Chart: districts with error bars")


def share_chart(
    figures: Figures,
    domain: str,
    indicator: str,
    district: str | None,
    *,
    slug: str,
    kind: str,
) -> Chart:
    shares = figures.categories(domain, indicator, district)
    if kind == "needs":
        # A profile reads as a ranking: most wanted first, withheld options last.
        shares = sorted(
            shares, key=lambda f: (f.estimate is None, -(f.estimate or 0.0))
        )
    where = (
        figures.district_names.get(district, district) if district else _("Whole city")
    )
    bars = [
        Bar(
            label=figures.category_name(domain, f.category),
            value=f.estimate,
            low=f.ci_low,
            high=f.ci_high,
            note=_("suppressed (n = %(n)s)") % {"n": f.n} if f.suppressed else "",
        )
        for f in shares
    ]
    title = (
        _("%(where)s: %(domain)s, share at each level")
        if kind == "levels"
        else _("%(where)s: %(domain)s, needs profile")
    ) % {"where": where, "domain": domain_name(domain)}
    chart = Chart(
        slug=slug,
        title=title,
        source=figures.source_text,
        description=_("Horizontal bars of percentages with 95%% intervals.") % {},
        columns=[
            _("Category"),
            _("Share (%)"),
            _("SE"),
            _("95% CI low"),
            _("95% CI high"),
            "n",
            _("Suppressed"),
        ],
        rows=[
            [
                figures.category_name(domain, f.category),
                _fmt(f.estimate, indicator),
                _fmt(f.se, indicator),
                _fmt(f.ci_low, indicator),
                _fmt(f.ci_high, indicator),
                str(f.n),
                _("yes") if f.suppressed else "",
            ]
            for f in shares
        ],
    )
    return bar_chart(chart, bars, unit="%", max_value=100.0)


class LevelDistributionBlock(ChartBlock):
    domain = blocks.ChoiceBlock(
        choices=domain_choices, default="info", label=gettext_lazy("domain")
    )
    district = blocks.ChoiceBlock(
        choices=district_choices, required=False, label=gettext_lazy("district")
    )

    def chart(self, figures, value, slug="chart"):
        return share_chart(
            figures,
            value["domain"],
            "level_share",
            value.get("district") or None,
            slug=slug,
            kind="levels",
        )

    class Meta:
        template = "cms/blocks/chart.html"
        icon = "list-ul"
        label = gettext_lazy("Chart: level distribution")


class NeedsProfileBlock(ChartBlock):
    domain = blocks.ChoiceBlock(
        choices=needs_domain_choices,
        default="needs.topics",
        label=gettext_lazy("needs area"),
    )
    district = blocks.ChoiceBlock(
        choices=district_choices, required=False, label=gettext_lazy("district")
    )

    def chart(self, figures, value, slug="chart"):
        return share_chart(
            figures,
            value["domain"],
            "needs_share",
            value.get("district") or None,
            slug=slug,
            kind="needs",
        )

    class Meta:
        template = "cms/blocks/chart.html"
        icon = "list-ul"
        label = gettext_lazy("Chart: needs profile")


def trend_chart(
    figures: Figures,
    domain: str,
    indicator: str,
    district: str | None,
    *,
    slug: str = "chart",
) -> Chart:
    points = figures.trend(domain, indicator, district)
    where = (
        figures.district_names.get(district, district) if district else _("Whole city")
    )
    title = _("%(where)s: %(domain)s %(indicator)s across waves") % {
        "where": where,
        "domain": domain_name(domain),
        "indicator": indicator_name(indicator),
    }
    chart = Chart(
        slug=slug,
        title=title,
        source=figures.source_text,
        description=_(
            "Points per survey wave joined by a line; whiskers show 95%% intervals."
        )
        % {},
        columns=[
            _("Year"),
            _("Estimate"),
            _("SE"),
            _("95% CI low"),
            _("95% CI high"),
            "n",
            _("Suppressed"),
        ],
        rows=[
            [
                str(year),
                _fmt(f.estimate, indicator) if f else "",
                _fmt(f.se, indicator) if f else "",
                _fmt(f.ci_low, indicator) if f else "",
                _fmt(f.ci_high, indicator) if f else "",
                str(f.n) if f else "",
                _("yes") if f and f.suppressed else "",
            ]
            for year, f in points
        ],
    )
    return line_chart(
        chart,
        [
            (
                year,
                f.estimate if f else None,
                f.ci_low if f else None,
                f.ci_high if f else None,
            )
            for year, f in points
        ],
        unit=_unit(indicator),
    )


class TrendBlock(ChartBlock):
    domain = blocks.ChoiceBlock(
        choices=domain_choices, default="info", label=gettext_lazy("domain")
    )
    indicator = blocks.ChoiceBlock(
        choices=RATE_INDICATORS,
        default="attainment_rate",
        label=gettext_lazy("indicator"),
    )
    district = blocks.ChoiceBlock(
        choices=district_choices, required=False, label=gettext_lazy("district")
    )

    def chart(self, figures, value, slug="chart"):
        return trend_chart(
            figures,
            value["domain"],
            value["indicator"],
            value.get("district") or None,
            slug=slug,
        )

    class Meta:
        template = "cms/blocks/chart.html"
        icon = "date"
        label = gettext_lazy("Chart: trend across waves")


class MethodologyBlock(FigureBlock):
    notes = blocks.RichTextBlock(required=False, label=gettext_lazy("further notes"))

    def build(self, figures, value):
        methods = methods_describe(
            figures.rollup.get("method") or {},
            parameter_set_id=figures.rollup.get("parameter_set_id"),
        )
        return {"methods": methods, "rollup": figures.rollup}

    class Meta:
        template = "cms/blocks/methodology.html"
        icon = "help"
        label = gettext_lazy("Methodology notes")


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=gettext_lazy("image"))
    alt = blocks.CharBlock(label=gettext_lazy("alternative text"))
    caption = blocks.CharBlock(required=False, label=gettext_lazy("caption"))

    class Meta:
        template = "cms/blocks/image.html"
        icon = "image"
        label = gettext_lazy("Image")


CHART_BLOCK_TYPES = ("district_bars", "level_distribution", "trend", "needs_profile")


class ReportStreamBlock(blocks.StreamBlock):
    headline = HeadlineFigureBlock()
    district_table = DistrictTableBlock()
    district_bars = DistrictBarsBlock()
    level_distribution = LevelDistributionBlock()
    trend = TrendBlock()
    needs_profile = NeedsProfileBlock()
    methodology = MethodologyBlock()
    rich_text = blocks.RichTextBlock(
        label=gettext_lazy("Text"), template="cms/blocks/rich_text.html"
    )
    image = ImageBlock()
