"""Default vocabularies, shipped by migration 0002 and editable by staff afterwards."""

# 昆明市政协 办理结果分类 (cn-standards.md §3.3); other localities edit these rows.
KUNMING_CATEGORIES = [
    ("A", "得到解决或部分解决"),
    ("B", "列入计划逐步解决"),
    ("C", "前瞻性较强，短期内不具备条件采纳落实"),
]
# 征询意见表 scale (cn-standards.md §3.2): code, label, counts as satisfied, requires 重新办理.
SATISFACTION_LEVELS = [
    ("satisfied", "满意", True, False),
    ("basically_satisfied", "基本满意", True, False),
    ("dissatisfied", "不满意", False, True),
]


def ensure_defaults(category_model, level_model):
    """get_or_create: safe to run again, and never overwrites what staff changed."""
    for position, (code, label) in enumerate(KUNMING_CATEGORIES, start=1):
        category_model.objects.get_or_create(code=code, defaults={"label": label, "position": position})
    for position, (code, label, satisfied, rehandle) in enumerate(SATISFACTION_LEVELS, start=1):
        level_model.objects.get_or_create(
            code=code,
            defaults={
                "label": label,
                "position": position,
                "counts_as_satisfied": satisfied,
                "requires_rehandling": rehandle,
            },
        )
