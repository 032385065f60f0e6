"""Optimistic concurrency for staff edits in the admin.

Two staff open the same record; A saves the title, then B saves the summary from a form still
holding the old title, and A's title is silently reverted. Each change form therefore carries
the version it was opened at, and a save from an older version is refused, naming who changed
what since; B's typed input stays in the form. The version is the object's latest history row
(django-simple-history records every save, whoever makes it: admin, services, shell), so no
model needs a new column and the message can say who made the change.

The refusal shows what changed meanwhile, field by field, as a diff (core/diffs.py) of the
version the form was opened at against the one stored now: B sees A's change beside B's own
typing and keeps what both need.

Use `VersionedAdminMixin` on a ModelAdmin; a custom admin form subclasses `VersionedModelForm`."""

import datetime as dt
import re
from dataclasses import dataclass

import nh3
from django import forms
from django.contrib.admin.utils import flatten, unquote
from django.core.exceptions import ValidationError
from django.db import models, router, transaction
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe
from simple_history.models import DeletedObject

from .admin_input import fields_mapped
from .dates import chinese_date, chinese_moment
from .diffs import value_diff

VERSION_FIELD = "edit_version"


def current_version(instance) -> str:
    history = getattr(type(instance), "history", None)
    if history is None or instance.pk is None:
        return ""
    latest = instance.history.order_by("-history_id").values_list("history_id", flat=True).first()
    return str(latest or "")


class VersionedModelForm(forms.ModelForm):
    edit_version = forms.CharField(widget=forms.HiddenInput, required=False)
    # Fields the staff member may not read here (shown masked, not in the form): a conflict
    # names them as changed, never their values.
    withheld_fields = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.version = current_version(self.instance)
        self.fields[VERSION_FIELD].initial = self.version

    def clean(self):
        cleaned = super().clean()
        opened_at = cleaned.get(VERSION_FIELD, "")
        if self.instance.pk is not None and opened_at != self.version:
            # The re-shown form now carries the current version: after checking, B may save.
            # Fields B left as they were when B opened the page show what A saved, so that
            # saving again keeps A's change instead of writing B's stale copy over it.
            self.data = self.data.copy()
            self.data[self.add_prefix(VERSION_FIELD)] = self.version
            opened = opened_version(self.instance, opened_at)
            if opened is not None:
                self._show_stored(self._untouched_but_changed(opened, cleaned))
            raise ValidationError(self._conflict_message(opened_at), code="edit_conflict")
        return cleaned

    def _untouched_but_changed(self, opened, cleaned) -> list[str]:
        names = []
        for name in self.fields:
            if name in self.errors:  # what B typed there is not read yet: left as typed
                continue
            try:
                field = self.instance._meta.get_field(name)
            except Exception:  # a form-only field (a file to import, an option)
                continue
            if field.many_to_many:
                then = m2m_at(opened, field)  # None: the history keeps no snapshot of it
                now = set(getattr(self.instance, name).values_list("pk", flat=True))
                typed = {getattr(item, "pk", item) for item in cleaned.get(name) or ()}
                if then is not None and then != now and typed == then:
                    names.append(name)
                continue
            if not getattr(field, "concrete", False) or not hasattr(opened, field.attname):
                continue
            then, now = getattr(opened, field.attname), getattr(self.instance, field.attname)
            typed = cleaned.get(name)
            typed = getattr(typed, "pk", typed)
            if then != now and typed == then:
                names.append(name)
        return names

    def _show_stored(self, names):
        for name in names:
            field, key = self.fields[name], self.add_prefix(name)
            value = field.prepare_value(self.get_initial_for_field(field, name))
            widget = field.widget
            if isinstance(widget, forms.MultiWidget):
                for index, part in enumerate(widget.decompress(value)):
                    self.data[f"{key}{widget.widgets_names[index]}"] = widget.widgets[index].format_value(part) or ""
            elif isinstance(field, forms.ModelMultipleChoiceField):
                self.data.setlist(key, [str(pk) for pk in value or ()])
            elif isinstance(widget, forms.CheckboxInput):
                if value:
                    self.data[key] = "on"
                else:
                    self.data.pop(key, None)
            else:
                shown = widget.format_value(value)
                self.data[key] = (shown[0] if shown else "") if isinstance(shown, list) else (shown or "")

    def _conflict_message(self, opened_at):
        return change_message(
            self.instance,
            opened_at,
            within=self.fields,
            withheld=self.withheld_fields,
            ending="为免覆盖对方的修改，本次未保存；您填写的内容仍在下面，请对照下面列出的改动核对后再次保存。",
        )


def opened_version(instance, opened_at):
    """The history row a form was opened at (its edit_version), or None."""
    if not re.fullmatch(r"[0-9]{1,18}", opened_at or ""):  # str.isdigit() admits "²"
        return None
    return instance.history.filter(history_id=opened_at).first()


def change_message(instance, opened_at, *, within, withheld=(), ending) -> str:
    """“保存失败：在您打开此页之后，<who><when>修改了：<what>。<ending>”, with each change's
    diff below it (HTML, escaped by its template)."""
    latest = instance.history.order_by("-history_id").select_related("history_user").first()
    who = "其他工作人员"
    if latest is not None and latest.history_user is not None:
        who = latest.history_user.get_full_name() or latest.history_user.get_username()
    when = f"于{chinese_moment(latest.history_date)}" if latest is not None else ""
    opened = opened_version(instance, opened_at)
    changes = []
    if opened is not None:
        changes = changed_fields(opened, instance, within=within, withheld=withheld)
    summaries = [change.summary for change in changes]
    if opened is not None and hasattr(instance, "history_beside"):  # inlines' own histories
        summaries += instance.history_beside(opened.history_date)
    what = f"修改了：{'；'.join(summaries)}" if summaries else "修改了这条记录"
    message = f"保存失败：在您打开此页之后，{who}{when}{what}。{ending}"
    # Rendered (and escaped) by the template; the admin shows the safe result as it is.
    return render_to_string("core/edit_conflict.html", {"message": message, "changes": changes})


def _without(fields, names):
    """A fieldset's fields (a name, or a row of names) without `names`; a row left empty goes."""
    return fields_mapped(fields, lambda name: None if name in names else name)


@dataclass
class TypedText:
    label: str
    text: str
    html: str = ""  # rich text, cleaned, to read and copy with its formatting


def typed_texts(instance, posted, *, withheld=(), beside=None) -> list[TypedText]:
    """The texts a refused POST holds that differ from what is stored: a model's text fields,
    and those posted beside its form (`beside`: name → label, a review's comment). Not
    `withheld` ones: whether a guess posted there is shown back would tell whether it is the
    stored value."""
    texts = []
    for field in instance._meta.concrete_fields:
        if not isinstance(field, models.CharField | models.TextField) or not field.editable or field.choices:
            continue
        if field.name in withheld:
            continue
        typed = posted.get(field.name)
        if typed is None or typed.strip() == (getattr(instance, field.attname) or "").strip():
            continue
        html = nh3.clean(typed) if getattr(field, "holds_sanitized_html", False) else ""
        texts.append(TypedText(label=str(field.verbose_name), text=typed, html=html))
    for name, label in (beside or {}).items():
        if (posted.get(name) or "").strip():
            texts.append(TypedText(label=label, text=posted[name]))
    return texts


@dataclass
class FieldChange:
    label: str
    summary: str  # 名称（现为“新标题”）
    rows: list  # core.diffs rows: from the version the form was opened at to the stored one


def m2m_at(opened, field):
    """The pks a many-to-many field held at a history row, from django-simple-history's
    snapshot of it (HistoricalRecords(m2m_fields=…)); None when the history keeps none."""
    history = type(opened)
    name = f"{history.__name__}_{field.name}"
    for relation in history._meta.related_objects:
        through = relation.related_model
        if through.__name__ == name:
            target = next(f for f in through._meta.fields if f.is_relation and f.related_model is field.related_model)
            return set(through.objects.filter(history=opened).values_list(target.attname, flat=True))
    return None


def _m2m_changes(opened, instance):
    """(field, then, now) for the many-to-many fields whose snapshot differs from the stored set."""
    for field in instance._meta.many_to_many:
        then = m2m_at(opened, field)
        if then is None:
            continue
        now = set(getattr(instance, field.name).values_list("pk", flat=True))
        if then != now:
            yield field, then, now


def _names(field, pks) -> str:
    names = sorted(str(obj) for obj in field.related_model._default_manager.filter(pk__in=pks))
    return "、".join(names) or "（空）"


def changed_fields(opened, instance, *, within, withheld=()) -> list[FieldChange]:
    """Fields whose stored value differs from the version the form was opened at (a history
    row), those this form would overwrite first; of `withheld` ones, only that they changed."""
    changes = []
    for field, then, now in _m2m_changes(opened, instance):
        changes.append((field.name not in within, _change(field, _names(field, then), _names(field, now))))
    for field in instance._meta.concrete_fields:
        if field.primary_key or getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            continue
        if not hasattr(opened, field.attname):  # not kept in history (excluded_fields)
            continue
        old, new = getattr(opened, field.attname, None), getattr(instance, field.attname)
        if old == new:
            continue
        if field.name in withheld:
            label = str(field.verbose_name)
            change = FieldChange(label=label, summary=f"{label}（已修改，不显示）", rows=[[("", "（不显示）")]])
            changes.append((field.name not in within, change))
            continue
        changes.append((field.name not in within, _change(field, shown_value(field, old), shown_value(field, new))))
    return [change for _, change in sorted(changes, key=lambda change: change[0])]


def _change(field, old: str, new: str) -> FieldChange:
    """A field's change as staff read it: old and new as shown, the new one shortened (rich
    text by its words: “<p>汇总年报…” read as markup)."""
    shown = " ".join(strip_tags(new).split()) if getattr(field, "holds_sanitized_html", False) else new
    shown = shown if len(shown) <= 30 else shown[:30] + "……"
    return FieldChange(
        label=str(field.verbose_name), summary=f"{field.verbose_name}（现为“{shown}”）", rows=value_diff(old, new)
    )


def shown_value(field, raw) -> str:
    """A stored value as staff see it: the related object's name, a choice's label, local time."""
    if raw in (None, ""):
        return "（空）"
    if isinstance(raw, models.Model):
        return str(raw)
    if isinstance(raw, DeletedObject):  # the history list's related object gone
        return f"（已删除：{raw.pk}）"
    if field.is_relation:
        related = field.related_model._default_manager.filter(pk=raw).first()
        return str(related) if related is not None else f"（已删除：{raw}）"
    if field.flatchoices:
        return str(dict(field.flatchoices).get(raw, raw))
    if isinstance(raw, bool):
        return "是" if raw else "否"
    if isinstance(raw, dt.datetime) and timezone.is_aware(raw):
        return chinese_moment(raw)
    if isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
        return chinese_date(raw)
    return str(raw)


class LockedChangeAdminMixin:
    """Put before the ModelAdmin base: a change form's POST reads the object under a row lock,
    held until the admin's transaction ends. The save writes the whole row as it was read, so
    without the lock a service acting at the same moment (a review decision, a case answered)
    would be written over with the state read before it; with it, that service waits, and the
    version check (VersionedModelForm) compares with what is stored, not with what is being
    written meanwhile."""

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None or request.method != "POST":
            return obj
        using = router.db_for_write(type(obj))
        # Only in the transaction the admin opens to save or delete (a POST that reads the object
        # again afterwards, as the audit of an opened page does, has none to hold a lock in).
        if not transaction.get_connection(using).in_atomic_block:
            return obj
        list(type(obj)._base_manager.using(using).select_for_update().filter(pk=obj.pk).values_list("pk"))
        # Read again now that it is locked: a change committed while we waited is what we edit.
        return super().get_object(request, object_id, from_field)


class VersionedAdminMixin(LockedChangeAdminMixin):
    """Put before the ModelAdmin base: every change form carries and checks its version."""

    form = VersionedModelForm
    # Inputs the change page posts beside the form (name → label), shown back when a save is
    # refused (_moved_on).
    typed_beside_the_form = {}

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST" or object_id is None:
            return super().changeform_view(request, object_id, form_url, extra_context)
        # One transaction with the admin's own: the object read here is locked until the save
        # (LockedChangeAdminMixin), so it cannot move stage between this check and the save's.
        with transaction.atomic(using=router.db_for_write(self.model)):
            refused = self._moved_on(request, object_id)
            if refused is not None:
                return refused
            return super().changeform_view(request, object_id, form_url, extra_context)

    def _moved_on(self, request, object_id):
        """A save from a page opened before the object left this staff member's hands (a record
        submitted for review from another tab, a review level a colleague decided first): the
        admin answered a bare 403 and what was typed was gone. The answer says what changed, by
        whom, and shows what was typed, to copy; nothing is saved. A POST from someone who may
        not change it and whose page is not out of date is still refused as before."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None or self.has_change_permission(request, obj) or not self.has_view_permission(request, obj):
            return None
        opened_at = request.POST.get(VERSION_FIELD, "")
        if opened_at == current_version(obj) or opened_version(obj, opened_at) is None:
            return None
        # What this staff member's page withholds (a member's contacts shown masked) or the
        # admin keeps out of its history lists (an applicant's particulars): named, never shown.
        form = self.get_form(request, obj, change=True)
        withheld = {*getattr(form, "withheld_fields", ()), *getattr(self, "personal_fields", ())}
        message = change_message(
            obj,
            opened_at,
            within=request.POST,
            withheld=withheld,
            ending=(
                "这条记录已不在您可以修改的环节，本次未保存。您填写的内容列在下面，请复制保存；"
                "如需修改，请联系现在处理它的工作人员。"
            ),
        )
        context = {
            **self.admin_site.each_context(request),
            "title": "未能保存",
            "opts": self.model._meta,
            "original": obj,
            "message": mark_safe(message),  # rendered by core/edit_conflict.html, escaped there
            "typed": typed_texts(obj, request.POST, withheld=withheld, beside=self.typed_beside_the_form),
            "back": request.path,
        }
        return TemplateResponse(request, "core/edit_refused.html", context, status=409)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            # A page to read: the form's own inputs (the version it was opened at, a Word file
            # to import) have nothing to show, and were shown as “None”.
            model_fields = {field.name for field in self.model._meta.get_fields()}
            form_only = {VERSION_FIELD, *(name for name in self.form.declared_fields if name not in model_fields)}
            return [
                (name, {**options, "fields": _without(options["fields"], form_only)}) for name, options in fieldsets
            ]
        if any(VERSION_FIELD in flatten(options["fields"]) for _, options in fieldsets):
            return fieldsets
        (name, options), *rest = fieldsets
        # The hidden field in the first fieldset (the admin renders a hidden row for it).
        return [(name, {**options, "fields": [*options["fields"], VERSION_FIELD]}), *rest]
