"""The tables of the 政府信息公开工作年度报告 (国办公开办函〔2021〕30号 format) as plain data,
and the 勾稽 (cross-footing) checks between their cells.

A table is a list of rows, each `Row(label, cells)`; a cell is an int, or None when it is empty
(not entered), or NOT_APPLICABLE. Everything that renders a table (HTML, CSV, XLSX, the record
body) reads these structures, so the downloads equal the page."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

NOT_APPLICABLE = "不适用"

# --- table 三: 收到和处理政府信息公开申请情况 --------------------------------------------------
# Columns: 自然人, the five kinds of 法人或其他组织, 总计. Values are inforequests' ApplicantType.
APPLICANT_COLUMNS = [
    ("person", "自然人"),
    ("commercial", "商业企业"),
    ("research", "科研机构"),
    ("social", "社会公益组织"),
    ("legal", "法律服务机构"),
    ("other_org", "其他"),
]
TOTAL_LABEL = "总计"
ORG_GROUP_LABEL = "法人或其他组织"

# The 21 outcome leaves (inforequests' Outcome values), grouped as in the national table.
OUTCOME_GROUPS = [
    ("（一）予以公开", [("granted", "（一）予以公开")]),
    (
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
        [("partial", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）")],
    ),
    (
        "（三）不予公开",
        [
            ("denied_secret", "1.属于国家秘密"),
            ("denied_law", "2.其他法律行政法规禁止公开"),
            ("denied_safety", "3.危及“三安全一稳定”"),
            ("denied_third_party", "4.保护第三方合法权益"),
            ("denied_internal", "5.属于三类内部事务信息"),
            ("denied_process", "6.属于四类过程性信息"),
            ("denied_enforcement", "7.属于行政执法案卷"),
            ("denied_query", "8.属于行政查询事项"),
        ],
    ),
    (
        "（四）无法提供",
        [
            ("unable_not_held", "1.本机关不掌握相关政府信息"),
            ("unable_needs_making", "2.没有现成信息需要另行制作"),
            ("unable_unclear", "3.补正后申请内容仍不明确"),
        ],
    ),
    (
        "（五）不予处理",
        [
            ("np_petition", "1.信访举报投诉类申请"),
            ("np_repeat", "2.重复申请"),
            ("np_publication", "3.要求提供公开出版物"),
            ("np_excessive", "4.无正当理由大量反复申请"),
            ("np_confirm", "5.要求行政机关确认或重新出具已获取信息"),
        ],
    ),
    (
        "（六）其他处理",
        [
            ("other_no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
            ("other_unpaid", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
            ("other", "3.其他"),
        ],
    ),
]
OUTCOMES = [code for _, leaves in OUTCOME_GROUPS for code, _ in leaves]
NEW, CARRIED_OVER, HANDLED_TOTAL, CARRIED_FORWARD = "new", "carried_over", "handled_total", "carried_forward"
ROW_LABELS = {
    NEW: "一、本年新收政府信息公开申请数量",
    CARRIED_OVER: "二、上年结转政府信息公开申请数量",
    HANDLED_TOTAL: "（七）总计",
    CARRIED_FORWARD: "四、结转下年度继续办理",
    **{code: label for _, leaves in OUTCOME_GROUPS for code, label in leaves},
}
HANDLED_HEADING = "三、本年度办理结果"
ROW_ORDER = [NEW, CARRIED_OVER, *OUTCOMES, HANDLED_TOTAL, CARRIED_FORWARD]

# Every report has table 四 (table 三 only with 依申请公开 on): its caption marks a report's body.
REVIEW_CAPTION = "四、政府信息公开行政复议、行政诉讼情况"


@dataclass(frozen=True)
class RequestCase:
    """What table 三 needs of one 依申请公开 case."""

    applicant_type: str
    received_on: dt.date
    replied_on: dt.date | None
    outcome: str = ""
    count: int = 1  # the cases this one stands for (table_three counts them in the database)


def empty_table_three() -> dict[str, dict[str, int]]:
    return {row: {column: 0 for column, _ in APPLICANT_COLUMNS} | {"total": 0} for row in ROW_ORDER}


def tabulate_requests(cases, year: int) -> dict[str, dict[str, int]]:
    """Table 三 from cases: 新收 = received in the year; 上年结转 = received earlier and not
    answered before 1 January; 办理结果 = answered in the year, by outcome; 结转下年 = received
    by 31 December and not answered by then. So 新收 + 结转 = 总计 + 结转下年 holds by construction."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    counts = Counter()
    for case in cases:
        if case.received_on > end:
            continue
        column = case.applicant_type
        open_at_start = case.replied_on is None or case.replied_on >= start
        if case.received_on >= start:
            counts[NEW, column] += case.count
        elif open_at_start:
            counts[CARRIED_OVER, column] += case.count
        else:
            continue
        if case.replied_on is not None and start <= case.replied_on <= end:
            counts[case.outcome or "other", column] += case.count
            counts[HANDLED_TOTAL, column] += case.count
        elif case.replied_on is None or case.replied_on > end:
            counts[CARRIED_FORWARD, column] += case.count
    table = empty_table_three()
    for (row, column), n in counts.items():
        table[row][column] = n
    for row in table.values():
        row["total"] = sum(row[column] for column, _ in APPLICANT_COLUMNS)
    return table


def table_three(organizations, year: int):
    """Table 三 for these agencies (a consolidated report passes the district and its
    departments) from the 依申请公开 cases; None when the 依申请公开 app is not installed."""
    from django.db.models import Case as Choose
    from django.db.models import Count, DateField, Value, When

    from inforequests.models import Case

    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    # The database counts, tabulate_requests classifies: each group's dates reduced to what the
    # rules compare (received before or in the year; replied in it, after it, or not yet), so a
    # district's hundred thousand cases come back as a few hundred rows.
    rows = (
        Case.objects.filter(agency__in=organizations, received_on__lte=end)
        .exclude(replied_on__lt=start)
        .annotate(
            received=Choose(
                When(received_on__gte=start, then=Value(start)),
                default=Value(start - dt.timedelta(days=1)),
                output_field=DateField(),
            ),
            replied=Choose(
                When(replied_on__lte=end, then=Value(start)),
                When(replied_on__gt=end, then=Value(end + dt.timedelta(days=1))),
                default=None,
                output_field=DateField(),
            ),
        )
        .values_list("applicant_type", "received", "replied", "outcome")
        .annotate(n=Count("id"))
        .order_by()
    )
    return tabulate_requests((RequestCase(*row) for row in rows), year)


def add_tables(tables):
    """The cell-by-cell sum of several tables of the same shape (for the consolidated report)."""
    total = empty_table_three()
    for table in tables:
        for row, cells in table.items():
            for column, value in cells.items():
                total[row][column] += value or 0
    return total


# --- table 四: 政府信息公开行政复议、行政诉讼情况 ------------------------------------------------
REVIEW_KINDS = [
    ("reconsideration", "行政复议"),
    ("litigation_direct", "行政诉讼：未经复议直接起诉"),
    ("litigation_after", "行政诉讼：复议后起诉"),
]
REVIEW_RESULTS = [("upheld", "结果维持"), ("corrected", "结果纠正"), ("other", "其他结果"), ("pending", "尚未审结")]


def tabulate_reviews(pairs) -> dict[str, dict[str, int]]:
    """Table 四 from (kind, result) pairs, one per case."""
    counts = Counter(pairs)
    table = {}
    for kind, _ in REVIEW_KINDS:
        row = {result: counts[kind, result] for result, _ in REVIEW_RESULTS}
        row["total"] = sum(row.values())
        table[kind] = row
    return table


# --- table 二: 主动公开政府信息情况 ------------------------------------------------------------
REGULATION_ROWS = [("规章", "规章"), ("规范性文件", "行政规范性文件")]
REGULATION_COLUMNS = [("made", "本年制发件数"), ("repealed", "本年废止件数"), ("current", "现行有效件数")]
ENTERED_ITEMS = [
    ("licences", "行政许可", "本年处理决定数量"),
    ("penalties", "行政处罚", "本年处理决定数量"),
    ("enforcement", "行政强制", "本年处理决定数量"),
    ("fees", "行政事业性收费", "本年收费金额（单位：万元）"),
]


@dataclass
class Finding:
    """A failed 勾稽 check, naming the cells."""

    rule: str
    message: str


@dataclass
class Tables:
    two: dict = field(default_factory=dict)
    three: dict | None = None
    four: dict = field(default_factory=dict)


def _column_label(column):
    return dict(APPLICANT_COLUMNS).get(column, TOTAL_LABEL)


def check_tables(tables: Tables, *, previous: Tables | None = None, parts: list[Tables] | None = None) -> list[Finding]:
    """Every 勾稽 rule: an empty list when the report adds up."""
    findings = []
    for key, label, _ in ENTERED_ITEMS:
        if tables.two.get(key) is None:
            findings.append(Finding("表二未填", f"表二“{label}”未填写：没有发生请填 0，本机关无此职能请标为不适用。"))
    three = tables.three
    if three is not None:
        columns = [column for column, _ in APPLICANT_COLUMNS] + ["total"]
        for column in columns:
            name = _column_label(column)
            left = three[NEW][column] + three[CARRIED_OVER][column]
            right = three[HANDLED_TOTAL][column] + three[CARRIED_FORWARD][column]
            if left != right:
                findings.append(
                    Finding(
                        "表三平衡",
                        (
                            f"表三“{name}”列：本年新收（{three[NEW][column]}）+ 上年结转（{three[CARRIED_OVER][column]}）= {left}，"
                            f"而办理结果总计（{three[HANDLED_TOTAL][column]}）+ 结转下年度（{three[CARRIED_FORWARD][column]}）= {right}。"
                        ),
                    )
                )
            handled = sum(three[row][column] for row in OUTCOMES)
            if handled != three[HANDLED_TOTAL][column]:
                findings.append(
                    Finding(
                        "表三列合计",
                        (
                            f"表三“{name}”列：各项办理结果之和为 {handled}，与“（七）总计”（{three[HANDLED_TOTAL][column]}）不符。"
                        ),
                    )
                )
        for row in ROW_ORDER:
            subtotal = sum(three[row][column] for column, _ in APPLICANT_COLUMNS)
            if subtotal != three[row]["total"]:
                findings.append(
                    Finding(
                        "表三行合计",
                        (
                            f"表三“{ROW_LABELS[row]}”行：各类申请人之和为 {subtotal}，与“总计”列（{three[row]['total']}）不符。"
                        ),
                    )
                )
    for kind, kind_label in REVIEW_KINDS:
        row = tables.four.get(kind)
        if not row:
            continue
        subtotal = sum(row[result] for result, _ in REVIEW_RESULTS)
        if subtotal != row["total"]:
            findings.append(
                Finding(
                    "表四合计",
                    (
                        f"表四“{kind_label}”：结果维持、结果纠正、其他结果、尚未审结之和为 {subtotal}，与“总计”（{row['total']}）不符。"
                    ),
                )
            )
    if previous is not None and previous.three is not None and three is not None:
        for column in [column for column, _ in APPLICANT_COLUMNS] + ["total"]:
            if previous.three[CARRIED_FORWARD][column] != three[CARRIED_OVER][column]:
                findings.append(
                    Finding(
                        "上年结转",
                        (
                            f"表三“{_column_label(column)}”列：上一年度年报“结转下年度继续办理”为 "
                            f"{previous.three[CARRIED_FORWARD][column]}，本年“上年结转”为 {three[CARRIED_OVER][column]}。"
                        ),
                    )
                )
    if previous is not None:
        findings += _check_current_regulations(tables, previous)
    if parts is not None:
        findings += _check_rollup(tables, parts)
    return findings


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_current_regulations(tables: Tables, previous: Tables) -> list[Finding]:
    """Table 二: this year's 现行有效 = last year's published 现行有效 + 本年制发 − 本年废止, for
    规章 and 规范性文件. A row last year's report does not state (a report kept without it) is
    not compared. A record entered late, withdrawn, or given another genre or validity since
    last year's report breaks it."""
    findings = []
    for genre, label in REGULATION_ROWS:
        before = (previous.two or {}).get(genre)
        now = (tables.two or {}).get(genre)
        if not isinstance(before, dict) or not isinstance(now, dict):
            continue
        last, made, repealed, current = before.get("current"), now.get("made"), now.get("repealed"), now.get("current")
        if not all(_is_count(value) for value in (last, made, repealed, current)):
            continue
        expected = last + made - repealed
        if current != expected:
            findings.append(
                Finding(
                    "表二现行有效",
                    (
                        f"表二“{label}”行：上一年度年报“现行有效件数”为 {last}，本年制发 {made} 件、废止 {repealed} 件，"
                        f"“现行有效件数”应为 {last} + {made} − {repealed} = {expected}，而本年为 {current}。"
                        "请核对目录中这类文件的体裁、成文日期、效力状态和失效或废止日期。"
                    ),
                )
            )
    return findings


def _number(value):
    return value if isinstance(value, (int, Decimal)) else 0


def _check_rollup(tables: Tables, parts: list[Tables]) -> list[Finding]:
    findings = []
    for key, label, _ in ENTERED_ITEMS:
        total = sum((_number(part.two.get(key)) for part in parts), 0)
        if _number(tables.two.get(key)) != total:
            findings.append(Finding("汇总", f"表二“{label}”：汇总年报为 {tables.two.get(key)}，各单位之和为 {total}。"))
    if tables.three is not None and all(part.three is not None for part in parts):
        summed = add_tables([part.three for part in parts])
        for row in ROW_ORDER:
            for column, value in summed[row].items():
                if tables.three[row][column] != value:
                    findings.append(
                        Finding(
                            "汇总",
                            (
                                f"表三“{ROW_LABELS[row]}”行“{_column_label(column)}”列：汇总年报为 "
                                f"{tables.three[row][column]}，各单位之和为 {value}。"
                            ),
                        )
                    )
    for kind, kind_label in REVIEW_KINDS:
        for result, result_label in [*REVIEW_RESULTS, ("total", TOTAL_LABEL)]:
            value = sum(part.four.get(kind, {}).get(result, 0) for part in parts)
            mine = tables.four.get(kind, {}).get(result, 0)
            if mine != value:
                findings.append(
                    Finding("汇总", f"表四“{kind_label}”“{result_label}”：汇总年报为 {mine}，各单位之和为 {value}。")
                )
    return findings


# --- presentation: one grid per table, which the HTML page, the CSV and the XLSX all show ----
EMPTY = "未填写"


def show(value) -> str:
    """Empty, zero and not-applicable read differently: 未填写, 0, 不适用."""
    if value is None:
        return EMPTY
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    return str(value)


@dataclass
class Sheet:
    key: str
    caption: str
    header: list  # rows of (text, colspan, rowspan, scope)
    rows: list  # each [label, value, …]; a row whose values are all "" is a group heading
    groups: set = field(default_factory=set)  # indexes of group-heading rows
    parents: dict = field(default_factory=dict)  # row index -> indexes of the group headings above it, outermost first

    @property
    def part(self) -> str:
        """The report's part the table belongs to (二、… of two tables, 三、…, 四、…): its heading."""
        return self.caption.split("：", 1)[0]

    def flat_header(self) -> list[list[str]]:
        """The header as a rectangle of strings (CSV, XLSX): a spanned cell fills its first slot."""
        width = len(self.rows[0]) if self.rows else 0
        grid = [["" for _ in range(width)] for _ in self.header]
        for r, c, text, *_ in self._header_cells():
            grid[r][c] = text
        return grid

    def _header_cells(self):
        """(header row, first column, text, colspan, rowspan, scope) of every header cell: a
        cell starts at the first column of its row that no cell above spans into."""
        width = len(self.rows[0]) if self.rows else 0
        taken = [[False] * width for _ in self.header]
        for r, header_row in enumerate(self.header):
            c = 0
            for text, colspan, rowspan, scope in header_row:
                while c < width and taken[r][c]:
                    c += 1
                yield r, c, text, colspan, rowspan, scope
                for dr in range(rowspan):
                    for dc in range(colspan):
                        taken[r + dr][c + dc] = True
                c += colspan

    def markup(self) -> dict:
        """The table for HTML with every cell's headers named (WCAG 1.3.1, technique H43): each
        header cell has an id, and each data cell lists the ids of all the column headers above
        it (both levels of a two-level header), of the group headings it falls under and of its
        row heading. `scope` alone cannot say this: a 法人或其他组织 colgroup spans five columns,
        and a row group such as 三、本年度办理结果 ends before 四、结转下年度继续办理 while the
        groups nested in it end earlier still. The body is one <tbody> per top-level part."""
        key = self.key
        head, above = [], {}  # above: grid column -> ids of the header cells covering it, top first
        for r, c, text, colspan, rowspan, scope in self._header_cells():
            cell_id = f"{key}-h{r}-{c}"
            while len(head) <= r:
                head.append([])
            # A lower-level header is itself headed by the cells above it (商业企业 by 法人或其他组织).
            headers = " ".join(above.get(c, []))
            head[r].append(
                {
                    "text": text,
                    "colspan": colspan,
                    "rowspan": rowspan,
                    "scope": scope,
                    "id": cell_id,
                    "headers": headers,
                }
            )
            for column in range(c, c + colspan):
                above.setdefault(column, []).append(cell_id)
        bodies, top = [], object()
        for i, row in enumerate(self.rows):
            parents = [f"{key}-r{g}" for g in self.parents.get(i, ())]
            outermost = self.parents[i][0] if self.parents.get(i) else (i if i in self.groups else None)
            if outermost != top:
                bodies.append([])
                top = outermost
            row_id = f"{key}-r{i}"
            if i in self.groups:
                nested = bool(self.parents.get(i))
                # Only an outermost group heads the rest of its <tbody>; a nested one would claim
                # the groups after it, so it is a row heading named by its leaves' headers.
                scope = "row" if nested else "rowgroup"
                bodies[-1].append(
                    {
                        "group": True,
                        "label": row[0],
                        "id": row_id,
                        "scope": scope,
                        "headers": " ".join(parents),
                        "span": len(row),
                    }
                )
                continue
            cells = [
                (value, " ".join([*above.get(c, []), *parents, row_id])) for c, value in enumerate(row[1:], start=1)
            ]
            bodies[-1].append(
                {"group": False, "label": row[0], "id": row_id, "headers": " ".join(parents), "cells": cells}
            )
        return {"head": head, "bodies": bodies}


def sheets(tables: Tables) -> list[Sheet]:
    result = []
    two_rows = []
    for genre, label in REGULATION_ROWS:
        cells = tables.two.get(genre, {})
        two_rows.append([label, *[show(cells.get(key)) for key, _ in REGULATION_COLUMNS]])
    result.append(
        Sheet(
            "two-regulations",
            "二、主动公开政府信息情况：规章和行政规范性文件",
            [[("信息内容", 1, 1, "col"), *[(label, 1, 1, "col") for _, label in REGULATION_COLUMNS]]],
            two_rows,
        )
    )
    result.append(
        Sheet(
            "two-decisions",
            "二、主动公开政府信息情况：行政许可、行政处罚、行政强制和行政事业性收费",
            [[("信息内容", 1, 1, "col"), ("项目", 1, 1, "col"), ("数量或金额", 1, 1, "col")]],
            [[label, measure, show(tables.two.get(key))] for key, label, measure in ENTERED_ITEMS],
        )
    )
    if tables.three is not None:
        columns = [column for column, _ in APPLICANT_COLUMNS] + ["total"]
        header = [
            [
                ("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", 1, 2, "col"),
                ("自然人", 1, 2, "col"),
                (ORG_GROUP_LABEL, 5, 1, "colgroup"),
                (TOTAL_LABEL, 1, 2, "col"),
            ],
            [(label, 1, 1, "col") for _, label in APPLICANT_COLUMNS[1:]],
        ]
        rows, groups, parents = [], set(), {}

        def add(row_key):
            rows.append([ROW_LABELS[row_key], *[show(tables.three[row_key][c]) for c in columns]])

        add(NEW)
        add(CARRIED_OVER)
        handled = len(rows)
        groups.add(handled)
        rows.append([HANDLED_HEADING, *[""] * len(columns)])
        for group_label, leaves in OUTCOME_GROUPS:
            group = None
            if len(leaves) > 1:
                group = len(rows)
                groups.add(group)
                parents[group] = (handled,)
                rows.append([group_label, *[""] * len(columns)])
            for code, _ in leaves:
                parents[len(rows)] = (handled,) if group is None else (handled, group)
                add(code)
        parents[len(rows)] = (handled,)
        add(HANDLED_TOTAL)
        add(CARRIED_FORWARD)
        result.append(Sheet("three", "三、收到和处理政府信息公开申请情况", header, rows, groups, parents))
    header = [
        [("项目", 1, 3, "col"), ("行政复议", 5, 2, "colgroup"), ("行政诉讼", 10, 1, "colgroup")],
        [("未经复议直接起诉", 5, 1, "colgroup"), ("复议后起诉", 5, 1, "colgroup")],
        [(label, 1, 1, "col") for _ in REVIEW_KINDS for label in [*dict(REVIEW_RESULTS).values(), TOTAL_LABEL]],
    ]
    row = [
        show(tables.four.get(kind, {}).get(result, 0))
        for kind, _ in REVIEW_KINDS
        for result in [*dict(REVIEW_RESULTS), "total"]
    ]
    result.append(Sheet("four", REVIEW_CAPTION, header, [["案件数", *row]]))
    return result
