from types import SimpleNamespace

from django import forms
from django.conf import settings

from core.concurrency import VersionedModelForm
from core.kept_uploads import KeptFileInput

from .document_numbers import normalize_document_number
from .models import DisclosureRecord
from .office import DocxError, docx_to_html
from .sanitize import alt_text_errors, length_error
from .uploads import content_problem


class DisclosureRecordAdminForm(VersionedModelForm):
    body_docx = forms.FileField(
        label="从 Word 文档导入正文",
        required=False,
        help_text="上传 .docx 文件，保存后替换上面的正文：标题、编号列表、表格和脚注保留，"
        "图片成为本记录的附件（随后请为每张图片填写替代文字）。旧版 .doc 请先另存为 .docx。",
        widget=KeptFileInput(
            attrs={"accept": ".docx,application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
        ),
    )

    class Meta:
        model = DisclosureRecord
        fields = "__all__"
        widgets = {"summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        body = self.fields.get("body")
        if body is not None and hasattr(body.widget, "image_names"):
            body.widget.image_names = self.instance.image_names

    def clean(self):
        cleaned = super().clean()
        # A record goes to review (and from the 终审 to the public) only with every image's alt
        # text (ATAG): said beside the body, naming the image. A draft may wait for it.
        if cleaned.get("body_docx") and "body" in self.changed_data:
            # The import replaces the body: what was just typed there would be lost.
            self.add_error(
                "body_docx",
                "您修改了上面的正文，又选择了 Word 文档：导入会替换正文。请二选一——撤销对正文的修改，或不选文件。",
            )
        if self.data.get("_review") in ("submit", "approve") and "body" in cleaned:
            errors = alt_text_errors(SimpleNamespace(body=cleaned["body"]), "body", names=self.instance.image_names)
            if errors:
                self.add_error("body", errors["body"])
        return cleaned

    def clean_document_number(self):
        # Normalize look-alikes before the model validator sees them, so [2018] is accepted.
        return normalize_document_number(self.cleaned_data.get("document_number", ""))

    def clean_body_docx(self):
        """The uploaded document, converted (disclosures.office.ImportedDocument), or None. A
        file that is not a readable .docx is refused here, beside the field; what else the
        form holds is re-shown as typed."""
        upload = self.cleaned_data.get("body_docx")
        if not upload:
            return None
        if not upload.name.lower().endswith(".docx"):
            raise forms.ValidationError("只能导入 .docx 格式的 Word 文档：旧版 .doc 或 WPS 文档请先另存为 .docx。")
        if upload.size > settings.DISCLOSURE_ATTACHMENT_MAX_BYTES:
            limit = settings.DISCLOSURE_ATTACHMENT_MAX_BYTES / 1048576
            raise forms.ValidationError(f"文件过大（{upload.size / 1048576:.1f} MB），上限为 {limit:.0f} MB。")
        problem = content_problem(upload, "docx")
        if problem:
            raise forms.ValidationError(problem)
        try:
            document = docx_to_html(upload)
        except DocxError as error:
            raise forms.ValidationError(str(error)) from None
        if message := length_error(document.html):
            raise forms.ValidationError(f"这份 Word 文档的{message}")
        return document
