from django.template.loader import render_to_string

from core.charts import bar_chart


def test_bar_chart_is_accessible_and_contains_its_numbers():
    chart = bar_chart(title="社区协商事项落实情况", rows=[("协商事项", 556), ("已落实", 522)], unit="项", chart_id="c1")
    html = render_to_string("components/bar_chart.html", {"chart": chart})
    assert 'role="img"' in html and 'aria-labelledby="c1-title c1-desc"' in html
    assert '<title id="c1-title">社区协商事项落实情况</title>' in html
    assert "协商事项：556项；已落实：522项" in html  # in the <desc>
    assert "556项" in html and "522项" in html
    assert "<script" not in html
    widths = [bar.width for bar in chart["bars"]]
    assert widths[0] == 360 and 0 < widths[1] < 360
