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


def bar_chart(*, title: str, rows, unit: str = "", description: str = "", chart_id: str = "chart"):
    """Context for templates/components/bar_chart.html.

    rows: iterable of (label, value); values must be non-negative numbers."""
    rows = [(str(label), float(value or 0)) for label, value in rows]
    peak = max((value for _, value in rows), default=0) or 1
    bars = []
    for index, (label, value) in enumerate(rows):
        display = f"{value:g}{unit}"
        bars.append(Bar(label=label, value=value, display=display, y=index * ROW_HEIGHT,
                        width=round(BAR_AREA * value / peak, 1)))
    summary = "；".join(f"{bar.label}：{bar.display}" for bar in bars)
    return {
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
