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


def test_a_chart_is_as_wide_in_em_as_its_canvas_so_its_text_keeps_its_size():
    """Sized as a percentage of its column, a chart's 14-unit text shrank to 6–7 px on a phone;
    held at a minimum for 650 units, a chart widened for its labels still shrank below it."""
    from django.template.loader import render_to_string

    plain = bar_chart(title="社区数", rows=[("甲", 1), ("乙", 2)])
    wide = bar_chart(title="社区数", rows=[("一个很长很长很长很长很长很长的社区名称", 1)], fit_labels=True)
    assert plain["width_em"] == "40.625" and float(wide["width_em"]) * 16 == wide["width"] > plain["width"]
    html = render_to_string("components/bar_chart.html", {"chart": wide})
    assert f'viewBox="0 0 {wide["width"]} {wide["height"]}" width="{wide["width_em"]}em"' in html
