from django import forms
from django.contrib.auth.forms import AuthenticationForm

from core.forms import NamedRequired, PlainLabels

from .models import SatisfactionLevel, Session, normalize_proposal_number, number_validator


class ProposalNumberField(forms.CharField):
    """Accepts what people copy from a letter ("第１０２１１４号") and keeps "102114"."""

    default_validators = [number_validator]

    def to_python(self, value):
        return normalize_proposal_number(super().to_python(value))


class LookupForm(PlainLabels, forms.Form):
    """一号一查: 届次 + 编号 → the proposal page."""

    session = forms.ModelChoiceField(
        label="届次会议",
        queryset=Session.objects.none(),
        empty_label="请选择届次会议",
        error_messages={"required": "请选择届次会议。", "invalid_choice": "所选届次会议不存在，请重新选择。"},
    )
    number = ProposalNumberField(
        label="编号",
        max_length=24,
        help_text="如 102114；可带“第…号”。",
        error_messages={"required": "请填写编号。", "max_length": "编号太长。"},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = sessions


class FeedbackForm(PlainLabels, forms.Form):
    level = forms.ModelChoiceField(
        label="满意度",
        queryset=SatisfactionLevel.objects.all(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "请选择满意度。", "invalid_choice": "所选满意度无效，请重新选择。"},
    )
    comment = forms.CharField(
        label="意见和建议",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"max_length": "意见最多2000字（当前%(show_value)d字）。"},
    )


class MemberLoginForm(NamedRequired, AuthenticationForm):
    """Django's sign-in form, its checks unchanged."""
