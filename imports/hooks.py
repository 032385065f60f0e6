"""Registers imports with core's and the catalogue's registries (imported from ImportsConfig.ready)."""

from core.roles import register_role_models
from disclosures.registry import register_publish_check

from .selectors import record_open_flags


@register_publish_check
def _unchecked_losses(record):
    if record.pk is None:
        return None
    count = record_open_flags(record=record)
    if count:
        return (
            f"这条导入的记录还有 {count} 处可能丢失的字符未核对（迁移导入 › 待核对的缺字），核对后才能提交审核或发布。"
        )
    return None


# 录入员 check flags on the drafts they edit; 审核员 import, roll back and keep the redirect table.
register_role_models(
    "imports",
    content=["flag"],
    reference=["legacyredirect"],
    reviewer_extra=[
        "add_importbatch",
        "view_importbatch",
        "change_importbatch",
        "run_importbatch",
        "rollback_importbatch",
        "view_rowresult",
        "delete_legacyredirect",
    ],
)
