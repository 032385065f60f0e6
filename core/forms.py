"""Form fields every app can use."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator

from .current import current_request
from .dates import typed_date, typed_time
from .text import refuse_control_characters


def error_reasons(error) -> str:
    """What a refusal (ValidationError, PermissionDenied, …) says, as one line for a message."""
    reasons = getattr(error, "messages", None) or [str(error) or "没有权限"]
    # Each a sentence of its own, most ending in 。: joined by ；, that read “日期。；请标明”.
    return (
        "；".join(reason.rstrip("。；") for reason in reasons[:-1]) + ("；" if len(reasons) > 1 else "") + reasons[-1]
    )


class NamedRequired:
    """A required field's message names it. Django's “这个字段是必填项。” is the same for every
    field: an error summary says it once a field, each time as a link a screen reader reads
    out without the field it leads to."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if field.error_messages.get("required") == forms.Field.default_error_messages["required"]:
                verb = "选择" if isinstance(field, forms.ChoiceField) else "填写"
                field.error_messages["required"] = f"请{verb}{field.label or name}。"


class PlainLabels(NamedRequired):
    """Chinese form conventions: labels without Django's ASCII colon, messages that name the
    field (a length message: Django's own says “变量”) instead of a browser's silent cut, and
    no control characters in typed text."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if not isinstance(field, forms.CharField):
                continue
            refuse_control_characters(field)
            one_character_a_line_break(field)
            if field.max_length and "max_length" not in field.error_messages:
                label = str(field.label or name).removesuffix("（选填）")
                field.error_messages["max_length"] = f"{label}最多%(limit_value)d字（当前%(show_value)d字）。"
            # Not the browser's maxlength: it cuts pasted text off without a word, and counts a
            # character outside the BMP (𠀀, an emoji) as two. The length message says it instead.
            field.widget.attrs.pop("maxlength", None)


def one_character_a_line_break(field):
    """A line break as the text area shows it: browsers send each as two characters (CR LF),
    which counted a text of many lines over its limit while within it."""
    to_python = field.to_python

    def lines_as_shown(value):
        value = to_python(value)
        return value.replace("\r\n", "\n") if isinstance(value, str) else value

    field.to_python = lines_as_shown


class TypedDateField(forms.DateField):
    """A date as people type it wherever the page shows a text box for it (the admin's date
    fields, a date input an old browser shows as text): full-width digits, an input method's
    dashes, 2026.12.07, 2026/12/07 and 2026年12月7日 are read (core.dates.typed_date), as the
    import reads a file's dates, rather than refused as malformed."""

    def to_python(self, value):
        return super().to_python(typed_date(value) if isinstance(value, str) else value)


class TypedTimeField(forms.TimeField):
    """A time of day typed with an input method in full-width mode (０９：３０) is read
    (core.dates.typed_time) rather than refused as malformed."""

    def to_python(self, value):
        return super().to_python(typed_time(value) if isinstance(value, str) else value)


class TypedSplitDateTimeField(forms.SplitDateTimeField):
    """The admin's date and time boxes, read as TypedDateField and TypedTimeField read them."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fields = tuple(self._typed(field) for field in self.fields)

    @staticmethod
    def _typed(field):
        kind = TypedDateField if isinstance(field, forms.DateField) else TypedTimeField
        typed = kind(input_formats=field.input_formats, error_messages=field.error_messages)
        typed.required, typed.disabled = field.required, field.disabled
        return typed


class ListedChoiceIterator(ModelChoiceIterator):
    """The options in one query: Django's iterator() opens a server-side cursor on PostgreSQL
    (DECLARE … WITH HOLD, FETCH, CLOSE) — three round trips for a few dozen options."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class ShortModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField over a short list (agencies, sessions, levels)."""

    iterator = ListedChoiceIterator


def error_summary(form, shown=None) -> list[tuple[str, str]]:
    """(anchor, message) for each error of `form`, for an error summary (GOV.UK's pattern): the
    form's own errors first, then each field's in the order the fields are on the page, not
    the order clean() found them. The anchor is the id of the control to correct (a radio
    group's first option); a field the page does not show (`shown`: the names it does, default
    every visible field) gets no link, and its message names the field."""
    items = [("", str(message)) for message in form.non_field_errors()]
    for field in form:
        if not field.errors:
            continue
        on_page = not field.is_hidden and (shown is None or field.name in shown)
        # RadioSelect and MultiWidget give no id for a label: their first control is <id>_0.
        anchor = (field.id_for_label or (f"{field.auto_id}_0" if field.auto_id else "")) if on_page else ""
        label = str(field.label or field.name)
        for message in field.errors:
            items.append((anchor, message if on_page or label in message else f"{label}：{message}"))
    return items


class CountedPasswordChangeForm(NamedRequired, PasswordChangeForm):
    """The current password checked as a sign-in checks it (authenticate()), so a wrong one
    counts like a failed sign-in: the lockout (django-axes) counts it and refuses while locked,
    the audit log records it. Django's form asks check_password() alone: whoever finds a
    signed-in browser could guess the account's password through this form without end."""

    required_css_class = "required"  # as the admin's form has it

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        # The form's POST is the request simple_history's middleware keeps (core.current).
        if authenticate(current_request(), username=self.user.get_username(), password=old_password) is None:
            raise ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password


class StaffLoginForm(AdminAuthenticationForm):
    """The admin's sign-in form, its checks unchanged."""
