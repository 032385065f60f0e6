import math

from django import forms

from core.kept_uploads import KeptFileInput
from disclosures import selectors as disclosure_selectors
from disclosures.models import Genre, Organization, Topic

from .fields import FIELDS

# Reading a file to find its columns and count its rows happens in the upload's request, and
# holds about six times the file in memory (a 108 MB CSV of 400,000 rows: 671 MiB at its peak,
# 1.2 s). 2 GB took a web worker past its timeout and would have needed some 12 GB.
MAX_UPLOAD_BYTES = 256 * 1024**2


class BatchForm(forms.Form):
    file = forms.FileField(
        label="文件",
        help_text=(
            "CSV（UTF-8 或 GB18030）、XLSX 表格；采集的网页（.html、.txt）或它们连同附件的 ZIP 压缩包；"
            f"每个文件不超过 {MAX_UPLOAD_BYTES // 1024**2} MB，更大的请分成几个批次。"
        ),
        widget=KeptFileInput,
    )
    source_system = forms.CharField(
        label="来源系统",
        max_length=60,
        help_text="如“官渡区TRS旧站”。再次导入同一来源时按来源编号（或原网址、索引号）更新，不会重复。",
    )
    old_site = forms.CharField(
        label="原网站地址", max_length=200, required=False, help_text="如 http://www.kmgd.gov.cn/ ，可不填。"
    )
    default_publisher = forms.ModelChoiceField(
        label="默认发布机构", queryset=Organization.objects.none(), required=False, help_text="行内没有发布机构时使用。"
    )
    default_topic = forms.ModelChoiceField(
        label="默认主题分类", queryset=Topic.objects.all(), required=False, help_text="行内没有主题分类时使用。"
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["default_publisher"].queryset = disclosure_selectors.agencies_of(user)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            # Rounded up to a tenth: one byte over must not read “256 MB，超过 256 MB”.
            size = math.ceil(upload.size * 10 / 1024**2) / 10
            raise forms.ValidationError(
                f"文件有 {size:,g} MB，超过 {MAX_UPLOAD_BYTES // 1024**2} MB：请分成几个批次导入。"
            )
        return upload


FIELD_CHOICES = [("", "（忽略此列）"), *((name, f"{label}（{name}）") for name, label, _ in FIELDS)]
VALUE_MODELS = {"publisher": Organization, "drafting_org": Organization, "topic": Topic, "genre": Genre}
VALUE_LABELS = {"publisher": "发布机构", "drafting_org": "成文机构", "topic": "主题分类", "genre": "体裁"}


class MappingForm(forms.Form):
    """One choice per column header; one per value the last dry run did not recognise."""

    def __init__(self, *args, batch, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.columns, self.values = [], []
        for i, header in enumerate(batch.report.get("headers") or list(batch.column_mapping)):
            name = f"column_{i}"
            self.fields[name] = forms.ChoiceField(
                label=header, choices=FIELD_CHOICES, required=False, initial=batch.column_mapping.get(header, "")
            )
            self.columns.append((header, name))
        unknown = batch.report.get("unknown", {})
        for kind, names in unknown.items():
            model = VALUE_MODELS.get(kind)
            if model is None:
                continue
            queryset = disclosure_selectors.agencies_of(user) if kind == "publisher" else model.objects.all()
            for j, (text, count) in enumerate(names.items()):
                name = f"value_{kind}_{j}"
                self.fields[name] = forms.ModelChoiceField(
                    label=f"{VALUE_LABELS[kind]}“{text}”（{count} 行）",
                    queryset=queryset,
                    required=False,
                    empty_label="（未对应：这些行将被拒绝或不填）",
                    initial=batch.value_mapping.get(kind, {}).get(text),
                )
                self.values.append((kind, text, name))

    def mapping(self):
        columns = {header: self.cleaned_data.get(name) or "" for header, name in self.columns}
        values = {}
        for kind, text, name in self.values:
            if self.cleaned_data.get(name):
                values.setdefault(kind, {})[text] = self.cleaned_data[name].pk
        return columns, values


class FlagForm(forms.Form):
    ACTIONS = [("accept", "采用建议读法"), ("edit", "改为下面填写的文字"), ("keep", "原文无误，保持原样")]

    flag = forms.IntegerField(widget=forms.HiddenInput)
    action = forms.ChoiceField(label="核对结果", choices=ACTIONS, widget=forms.RadioSelect)
    text = forms.CharField(label="正确的文字", max_length=100, required=False)
