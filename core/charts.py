"""Accessible bar charts drawn on the server as inline SVG: no script, a <title> and <desc>,
and the caller shows the same numbers in a table beside the chart."""

from dataclasses import dataclass

ROW_HEIGHT = 32
LABEL_WIDTH = 200
BAR_AREA = 360
VALUE_WIDTH = 90


@dataclass
class Bar:
    label: str
    value: float
    display: str
    y: int
    width: float


def bar_chart(
    *,
    title: str,
    rows,
    unit: str = "",
    description: str = "",
    chart_id: str = "chart",
    displays=None,
    fit_labels: bool = False,
):
    """Context for templates/components/bar_chart.html.

    rows: iterable of (label, value); values must be non-negative numbers. `displays` gives
    each bar's text as the source words it ("近8000万元"); `fit_labels` widens the label column
    and the canvas so that no label or value is clipped."""
    rows = [(str(label), float(value or 0)) for label, value in rows]
    displays = list(displays) if displays is not None else [f"{value:g}{unit}" for _, value in rows]
    peak = max((value for _, value in rows), default=0) or 1
    bars = [
        Bar(label=label, value=value, display=display, y=index * ROW_HEIGHT, width=round(BAR_AREA * value / peak, 1))
        for index, ((label, value), display) in enumerate(zip(rows, displays))
    ]
    summary = "；".join(f"{bar.label}：{bar.display}" for bar in bars)
    chart = {
        "id": chart_id,
        "title": title,
        "description": description or f"{title}。{summary}。",
        "bars": bars,
        "height": max(len(bars), 1) * ROW_HEIGHT,
        "width": LABEL_WIDTH + BAR_AREA + VALUE_WIDTH,
        "label_width": LABEL_WIDTH,
        "bar_x": LABEL_WIDTH,
        "unit": unit,
    }
    if fit_labels:
        _fit_text(chart)
    # Drawn 1 unit : 1/16 em, so its 14-unit text is 7/8 of the text around it however the
    # page is zoomed or enlarged (长者模式, 文字放大); wider than its column, it scrolls.
    chart["width_em"] = f"{chart['width'] / 16:g}"
    return chart


def _text_width(text: str, font_px=14) -> int:
    # Rough advance widths: CJK and full-width forms a full em, everything else about 0.6 em.
    return round(sum(font_px if ord(char) > 0x2E7F else font_px * 0.6 for char in text))


def _fit_text(chart: dict) -> None:
    label_width = max([chart["label_width"]] + [_text_width(bar.label) + 16 for bar in chart["bars"]])
    shift = label_width - chart["label_width"]
    right = max(
        [chart["width"]] + [chart["bar_x"] + bar.width + 6 + _text_width(bar.display) + 8 for bar in chart["bars"]]
    )
    chart.update(label_width=label_width, bar_x=chart["bar_x"] + shift, width=right + shift)
