"""Hand-made admin requests answered as bad input, never with a 500 (Django's admin raises on
both): a date part out of range in a changelist's query, and a value of an autocomplete box
that is no key at all when the form is shown again. And typed text without control characters,
and rich text shown as it reads to staff who may only read it."""

from django import forms
from django.apps import apps
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.admin.views.main import ERROR_FLAG
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import models
from django.http import HttpResponseRedirect
from django.templatetags.static import static
from django.utils.html import format_html

from .text import keep_visible_text, refuse_control_characters

# The date lookups a changelist's filters and date hierarchy put in the query string, and the
# values each may take (a year short of 9999: the date hierarchy reaches for the year after).
DATE_PARTS = {
    "year": (1, 9998),
    "iso_year": (1, 9998),
    "quarter": (1, 4),
    "month": (1, 12),
    "week": (1, 53),
    "week_day": (1, 7),
    "iso_week_day": (1, 7),
    "day": (1, 31),
    "hour": (0, 23),
    "minute": (0, 59),
    "second": (0, 59),
}


def date_parts_in_range(query) -> bool:
    """False when a parameter naming a date part (`assigned_on__month`, `…__year__gte`) is not
    a number that part can take: the date hierarchy built a date of it (OverflowError) and the
    database compared with it."""
    for key, values in query.lists():
        for part in key.split("__")[1:]:
            if part in DATE_PARTS:
                low, high = DATE_PARTS[part]
                if not all(value.isascii() and value.isdigit() and low <= int(value) <= high for value in values):
                    return False
    return True


def refuse_bad_date_parts(view):
    """The admin's own answer to a lookup it cannot use: the list again, with its error flag."""

    def guarded(request, *args, **kwargs):
        if request.method == "GET" and not date_parts_in_range(request.GET):
            return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")
        return view(request, *args, **kwargs)

    return guarded


class _KnownKeysOnly:
    """Shows again only the posted values that are keys of the related model: the form
    already says the others are not a valid choice."""

    def optgroups(self, name, value, attr=None):
        target = self.field.target_field
        return super().optgroups(name, [each for each in value if _is_key(target, each)], attr)


def _is_key(target, value) -> bool:
    try:
        target.clean(value, None)  # type and range (a 20-digit id is no integer key)
    except (ValidationError, ValueError, TypeError, OverflowError):
        return False
    return True


class KnownKeysAutocompleteSelect(_KnownKeysOnly, AutocompleteSelect):
    pass


class KnownKeysAutocompleteSelectMultiple(_KnownKeysOnly, AutocompleteSelectMultiple):
    pass


class AdminInputMixin:
    """Every ModelAdmin uses this (tests/core/test_admin_input.py): autocomplete boxes show
    known keys only, typed text refuses control characters beside its field (Word's soft
    line break, U+000B, in a title broke every RSS feed once the record was published), and a
    date typed with an input method is read (core.forms.TypedDateField)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # The admin's date boxes are text: a date typed with an input method is read too. (core.forms
        # imports the auth models, not yet loaded when the admin site imports this module.)
        from .forms import TypedDateField, TypedSplitDateTimeField

        if isinstance(db_field, models.DateTimeField):
            if self.formfield_overrides.get(db_field.__class__, {}).get("form_class") is forms.SplitDateTimeField:
                kwargs.setdefault("form_class", TypedSplitDateTimeField)
        elif isinstance(db_field, models.DateField):
            kwargs.setdefault("form_class", TypedDateField)
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if not isinstance(field, forms.CharField):
            return field
        if getattr(db_field, "holds_sanitized_html", False):
            # Its sanitizer drops control characters, NUL too: nothing for staff to find.
            field.validators = [v for v in field.validators if not isinstance(v, ProhibitNullCharactersValidator)]
        else:
            refuse_control_characters(field)
            keep_visible_text(field, one_line=not isinstance(db_field, models.TextField))
        return field

    def get_search_results(self, request, queryset, search_term):
        found, duplicates = super().get_search_results(request, queryset, search_term)
        offered = _offered_to_autocomplete(request, self.admin_site)
        if offered is not None:
            found = found.filter(pk__in=offered.values("pk"))
        return found, duplicates

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        # The change page only: an inline's row it may add, and a history version's page (which
        # builds its form from these names), would look for a form field by that name.
        on_change_page = getattr(request.resolver_match, "url_name", "").endswith("_change")
        if obj is None or not on_change_page or isinstance(self, InlineModelAdmin):
            return fieldsets
        if self.has_change_permission(request, obj):
            return fieldsets
        # A page to read: Django shows a read-only text field escaped, so a body read as
        # “<p>关于……</p><table>…”. Rich text is shown as the page will show it.
        shown = {
            field.name: _rich_text_shown(field)
            for field in self.model._meta.concrete_fields
            if getattr(field, "holds_sanitized_html", False)
        }
        if not shown:
            return fieldsets
        return [
            (name, {**options, "fields": fields_mapped(options["fields"], lambda field: shown.get(field, field))})
            for name, options in fieldsets
        ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = KnownKeysAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = KnownKeysAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


def _rich_text_shown(field):
    """A read-only row for `field` (the admin lists a callable like a field: its name is the
    row's class, short_description its label)."""

    def shown(obj):
        return field.as_shown(getattr(obj, field.attname))

    shown.__name__ = field.name
    shown.short_description = field.verbose_name
    return shown


def fields_mapped(fields, change):
    """A fieldset's fields (a name, or a row of names) with each entry replaced by
    `change(name)`; an entry it maps to None goes, and so does a row left empty."""
    kept = []
    for entry in fields:
        if isinstance(entry, list | tuple):
            entry = [changed for changed in map(change, entry) if changed is not None]
            if entry:
                kept.append(entry)
        elif (changed := change(entry)) is not None:
            kept.append(changed)
    return kept


def boolean_icon(value):
    """Django's yes/no/unknown icon in the admin's lists and read-only fields, its alt text in
    Chinese: Django writes str(value), and screen readers read “True” and “False” to staff."""
    icon = {True: "yes", False: "no", None: "unknown"}[value]
    words = {True: "是", False: "否", None: "未知"}[value]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{icon}.svg"), words)


def _offered_to_autocomplete(request, site):
    """For the admin's autocomplete view: the choices of the form that asks (its field's queryset,
    which its ModelAdmin narrows: the staff member's own agencies, records they may link), so a
    box offers nothing its save would refuse (a 录入员 was offered every agency). None otherwise,
    and for a field the asking admin names in `autocomplete_wider`. The target admins whose
    search is their own (the records', members', cases') scope it themselves."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.url_name != "autocomplete":
        return None
    try:
        model = apps.get_model(request.GET["app_label"], request.GET["model_name"])
        source = site._registry[model]
        field = model._meta.get_field(request.GET["field_name"])
    except (KeyError, LookupError, FieldDoesNotExist):
        return None  # the view itself answers a bad request
    if field.name in getattr(source, "autocomplete_wider", ()):
        return None  # the form widens it for the object it edits, which this request does not name
    if field.many_to_many:
        form_field = source.formfield_for_manytomany(field, request)
    elif field.many_to_one or field.one_to_one:
        form_field = source.formfield_for_foreignkey(field, request)
    else:
        return None
    return getattr(form_field, "queryset", None)
