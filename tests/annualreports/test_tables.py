"""Table 三 counted from cases, and every 勾稽 rule failing and passing on tables worked out by
hand. No database: the tables are plain data.

The case set below stands in for inforequests.Case rows (applicant_type, received_on,
replied_on, outcome — the fields `table_three` reads); inforequests is not in this branch's base."""

import copy
import datetime as dt
from decimal import Decimal

from annualreports import tables as t
from annualreports.tables import RequestCase, Tables, check_tables, tabulate_requests

D = dt.date
YEAR = 2023


def cases():
    found = []
    # Every outcome once, by a 自然人, received and answered in 2023.
    for n, outcome in enumerate(t.OUTCOMES):
        found.append(
            RequestCase("person", D(2023, 1, 2) + dt.timedelta(days=n), D(2023, 3, 1) + dt.timedelta(days=n), outcome)
        )
    found += [
        # Two more 予以公开 from companies, one 部分公开 from a law firm.
        RequestCase("commercial", D(2023, 5, 5), D(2023, 5, 20), "granted"),
        RequestCase("commercial", D(2023, 6, 5), D(2023, 6, 20), "granted"),
        RequestCase("legal", D(2023, 7, 1), D(2023, 7, 15), "partial"),
        # Carried over from 2022: received in December, answered in January 2023.
        RequestCase("research", D(2022, 12, 20), D(2023, 1, 10), "unable_not_held"),
        # Carried over from 2022 and still open at the end of 2023 (carried forward again).
        RequestCase("social", D(2022, 12, 28), None, ""),
        # Carried into 2024: received on 28 December, answered on 5 January 2024.
        RequestCase("other_org", D(2023, 12, 28), D(2024, 1, 5), "granted"),
        # Outside 2023 altogether: answered in 2022; received in 2024.
        RequestCase("person", D(2022, 3, 1), D(2022, 3, 20), "granted"),
        RequestCase("person", D(2024, 1, 3), None, ""),
    ]
    return found


def test_table_three_counts_every_outcome_and_the_carried_cases():
    table = tabulate_requests(cases(), YEAR)
    # 新收: 21 by persons, 2 companies, 1 law firm, 1 other organization.
    assert table[t.NEW] == {
        "person": 21,
        "commercial": 2,
        "research": 0,
        "social": 0,
        "legal": 1,
        "other_org": 1,
        "total": 25,
    }
    assert table[t.CARRIED_OVER] == {
        "person": 0,
        "commercial": 0,
        "research": 1,
        "social": 1,
        "legal": 0,
        "other_org": 0,
        "total": 2,
    }
    for outcome in t.OUTCOMES:
        assert table[outcome]["person"] == 1, outcome
    assert table["granted"]["total"] == 3 and table["granted"]["commercial"] == 2
    assert table["partial"]["total"] == 2 and table["partial"]["legal"] == 1
    assert table["unable_not_held"]["research"] == 1 and table["unable_not_held"]["total"] == 2
    assert table[t.HANDLED_TOTAL]["total"] == 21 + 2 + 1 + 1
    assert table[t.CARRIED_FORWARD] == {
        "person": 0,
        "commercial": 0,
        "research": 0,
        "social": 1,
        "legal": 0,
        "other_org": 1,
        "total": 2,
    }
    # 25 + 2 = 25 + 2: the table adds up, so no rule fails.
    assert check_tables(Tables(two=entered(), three=table)) == []


def test_the_next_year_carries_over_what_this_year_carried_forward():
    this, following = tabulate_requests(cases(), 2023), tabulate_requests(cases(), 2024)
    assert following[t.CARRIED_OVER] == this[t.CARRIED_FORWARD]
    assert following[t.NEW]["total"] == 1  # the case received on 3 January 2024
    assert check_tables(Tables(two=entered(), three=following), previous=Tables(two=entered(), three=this)) == []


def entered(**overrides):
    return {"licences": 12, "penalties": 0, "enforcement": t.NOT_APPLICABLE, "fees": Decimal("1.25"), **overrides}


def good_three():
    """By hand: 3 new (2 persons, 1 company) + 1 carried over (person) = 3 handled + 1 carried forward."""
    table = t.empty_table_three()

    def put(row, person, commercial):
        table[row].update(person=person, commercial=commercial, total=person + commercial)

    put(t.NEW, 2, 1)
    put(t.CARRIED_OVER, 1, 0)
    put("granted", 1, 1)
    put("np_repeat", 1, 0)
    put(t.HANDLED_TOTAL, 2, 1)
    put(t.CARRIED_FORWARD, 1, 0)
    return table


def good_four():
    return t.tabulate_reviews(
        [("reconsideration", "upheld"), ("reconsideration", "pending"), ("litigation_after", "corrected")]
    )


def good():
    return Tables(two=entered(), three=good_three(), four=good_four())


def rules(findings):
    return sorted({f.rule for f in findings})


def test_the_hand_worked_report_passes_every_rule():
    assert good().four["reconsideration"] == {"upheld": 1, "corrected": 0, "other": 0, "pending": 1, "total": 2}
    assert (
        check_tables(
            good(),
            previous=Tables(three={**t.empty_table_three(), t.CARRIED_FORWARD: good_three()[t.CARRIED_OVER]}),
            parts=[good()],
        )
        == []
    )


def test_new_plus_carried_over_must_equal_handled_plus_carried_forward():
    tables = good()
    tables.three[t.CARRIED_FORWARD]["person"] = 2
    tables.three[t.CARRIED_FORWARD]["total"] = 2
    findings = check_tables(tables)
    assert rules(findings) == ["表三平衡"]
    messages = [f.message for f in findings]
    assert any("“自然人”列" in m and "= 3" in m and "= 4" in m for m in messages)
    assert any("“总计”列" in m for m in messages)


def test_outcomes_must_add_up_to_the_handled_total():
    tables = good()
    tables.three["np_repeat"].update(person=0, total=1, commercial=1)
    findings = check_tables(tables)
    assert rules(findings) == ["表三列合计"]
    assert any("“商业企业”列" in f.message and "各项办理结果之和为 2" in f.message for f in findings)


def test_each_row_total_is_the_sum_of_its_applicants():
    tables = good()
    tables.three["granted"]["total"] = 3
    findings = check_tables(tables)
    assert "表三行合计" in rules(findings)
    assert any("“（一）予以公开”行" in f.message and "之和为 2" in f.message for f in findings)


def test_table_four_totals():
    tables = good()
    tables.four["litigation_after"]["total"] = 0
    findings = check_tables(tables)
    assert rules(findings) == ["表四合计"]
    assert "“行政诉讼：复议后起诉”" in findings[0].message and "之和为 1" in findings[0].message


def test_last_years_carried_forward_is_this_years_carried_over():
    previous = Tables(three=t.empty_table_three())
    previous.three[t.CARRIED_FORWARD].update(person=2, total=2)
    findings = check_tables(good(), previous=previous)
    assert rules(findings) == ["上年结转"]
    assert any("“自然人”列" in f.message and "为 2" in f.message and "为 1" in f.message for f in findings)


def test_the_consolidated_report_is_the_sum_of_its_agencies():
    part_a, part_b = good(), good()
    consolidated = Tables(
        two=entered(licences=24, penalties=0, fees=Decimal("2.5")),
        three=t.add_tables([part_a.three, part_b.three]),
        four=t.tabulate_reviews(
            [("reconsideration", "upheld"), ("reconsideration", "pending"), ("litigation_after", "corrected")] * 2
        ),
    )
    assert check_tables(consolidated, parts=[part_a, part_b]) == []
    wrong = copy.deepcopy(consolidated)
    wrong.two["licences"] = 23
    wrong.three["granted"]["person"] = 1  # also breaks its own sums
    wrong.four["reconsideration"]["upheld"] = 1
    findings = [f for f in check_tables(wrong, parts=[part_a, part_b]) if f.rule == "汇总"]
    messages = " ".join(f.message for f in findings)
    assert "表二“行政许可”：汇总年报为 23，各单位之和为 24" in messages
    assert "表三“（一）予以公开”行“自然人”列：汇总年报为 1，各单位之和为 2" in messages
    assert "表四“行政复议”“结果维持”：汇总年报为 1，各单位之和为 2" in messages


def test_empty_zero_and_not_applicable_are_distinct():
    tables = good()
    tables.two.update(licences=None)
    findings = check_tables(tables)
    assert rules(findings) == ["表二未填"] and "“行政许可”未填写" in findings[0].message
    shown = {row[0]: row[2] for row in t.sheets(tables)[1].rows}
    assert shown == {"行政许可": "未填写", "行政处罚": "0", "行政强制": "不适用", "行政事业性收费": "1.25"}


def test_the_two_row_header_of_table_three_flattens_for_the_downloads():
    sheet = next(s for s in t.sheets(good()) if s.key == "three")
    header = sheet.flat_header()
    assert header[0][1:] == ["自然人", "法人或其他组织", "", "", "", "", "总计"]
    assert header[1][1:] == ["", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", ""]
    # 新收, 结转; the 办理结果 heading; 21 leaves under 4 group headings (不予公开 … 其他处理); 总计, 结转下年
    assert len(sheet.rows) == 2 + 1 + 21 + 4 + 2
    assert [sheet.rows[i][0] for i in sorted(sheet.groups)] == [
        "三、本年度办理结果",
        "（三）不予公开",
        "（四）无法提供",
        "（五）不予处理",
        "（六）其他处理",
    ]


def regulations(rules_made, rules_repealed, rules_current, made=0, repealed=0, current=2):
    """Table 二's 规章 row (made, repealed, current) and 规范性文件 row, the rest as entered()."""
    return {
        **entered(),
        "规章": {"made": made, "repealed": repealed, "current": current},
        "规范性文件": {"made": rules_made, "repealed": rules_repealed, "current": rules_current},
    }


def test_this_years_current_regulations_follow_from_last_years_report():
    """现行有效 = last year's 现行有效 + 本年制发 − 本年废止, row by row."""
    last = Tables(two=regulations(1, 0, 5))
    assert check_tables(Tables(two=regulations(3, 2, 6)), previous=last) == []
    assert check_tables(Tables(two=regulations(0, 0, 5)), previous=last) == []

    findings = check_tables(Tables(two=regulations(3, 2, 7, made=1, current=2)), previous=last)
    assert rules(findings) == ["表二现行有效"]
    assert [f.message for f in findings] == [
        "表二“规章”行：上一年度年报“现行有效件数”为 2，本年制发 1 件、废止 0 件，"
        "“现行有效件数”应为 2 + 1 − 0 = 3，而本年为 2。请核对目录中这类文件的体裁、成文日期、效力状态和失效或废止日期。",
        "表二“行政规范性文件”行：上一年度年报“现行有效件数”为 5，本年制发 3 件、废止 2 件，"
        "“现行有效件数”应为 5 + 3 − 2 = 6，而本年为 7。请核对目录中这类文件的体裁、成文日期、效力状态和失效或废止日期。",
    ]


def test_current_regulations_are_not_compared_without_last_years_figures():
    """No report last year, or one that does not state the row: nothing to compare, nothing said."""
    this = Tables(two=regulations(3, 2, 7))
    assert check_tables(this) == []
    assert check_tables(this, previous=Tables(two=entered())) == []
    assert check_tables(this, previous=Tables()) == []
