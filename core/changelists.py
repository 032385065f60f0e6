"""Admin changelists over tables of a million rows: nothing counts the whole table.

Django's changelist counts every matching row (the paginator) and, by default, every row of
the table again ("N total"), and offers facet counts per filter choice: each a full scan at a
million records. Here the paginator counts only as far as the page after the one shown, and
says "more than N" past that (`MoreThan`), which every admin text reading the count (the
paginator line, "N 条结果", the select-all prompt) then shows as it is."""

import datetime as dt
import hashlib

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.templatetags.admin_list import ResultList, _coerce_field_name, results
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import (
    FieldIsAForeignKeyColumnName,
    _get_non_gfk_field,
    display_for_field,
    display_for_value,
    lookup_field,
)
from django.contrib.admin.views.main import PAGE_VAR
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.core.paginator import Paginator
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .dates import local_year_range
from .http import digits_value
from .pagecache import cached_value
from .planner import index_walk

# How far past the shown page the paginator counts, in pages: enough to offer "next".
LOOKAHEAD_PAGES = 1
# A page number beyond this is treated as this (the count's bound stays finite).
MAX_PAGE = 100_000
# Set on the request by a search that found many matches: the list is then read along the
# ordering's index (core.planner.index_walk).
WALK_ATTRIBUTE = "_changelist_index_walk"


class MoreThan(int):
    """A count known only to exceed `bound`: compares and pages as bound + 1 (the rows
    counted), reads as "bound+"."""

    def __new__(cls, bound: int):
        value = super().__new__(cls, bound + 1)
        value.bound = bound
        return value

    def __str__(self):
        return f"{self.bound}+"

    __repr__ = __str__


class BoundedCountPaginator(Paginator):
    """Counts at most to the end of the page after `page` (LOOKAHEAD_PAGES); `walk`: read the
    count and the page along the ordering's index (PostgreSQL; see core.planner)."""

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True, *, page=1, walk=False):
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        self.page_hint = min(max(page, 1), MAX_PAGE)
        self.walk = walk

    @cached_property
    def count(self):
        bound = (self.page_hint + LOOKAHEAD_PAGES) * self.per_page
        if self.walk:
            # One walk along the index gives both the count and the page's rows (by id).
            with index_walk(self.object_list.db):
                self._walked = list(self.object_list.values_list("pk", flat=True)[: bound + 1])
            counted = len(self._walked)
        else:
            # The first bound + 1 matches in any order: a scan stops as soon as it has them.
            counted = self.object_list.order_by()[: bound + 1].count()
        return MoreThan(bound) if counted > bound else counted

    def page(self, number):
        # Paginator.page, with the rows read here (by id after a walk) rather than lazily.
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if self.walk:
            rows = list(self.object_list.filter(pk__in=self._walked[bottom:top]))
        else:
            rows = list(self.object_list[bottom:top])
        return self._get_page(rows, number, self)


def requested_page(request) -> int:
    """The page number asked for: the changelist's ?p= or the autocomplete view's ?page= (both
    1-based; anything else is page 1, as Django's ChangeList reads it)."""
    return digits_value(request.GET.get(PAGE_VAR) or request.GET.get("page") or "1", max_digits=9) or 1


def is_autocomplete(request) -> bool:
    """The admin's autocomplete view (JSON for a select box) also runs get_search_results."""
    match = getattr(request, "resolver_match", None)
    return bool(match and match.url_name == "autocomplete")


class LargeTableAdminMixin:
    """For a ModelAdmin of a table that grows to a million rows: bounded counts, no total,
    no facet counts. Filters and searches must use indexes (see each admin)."""

    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    # Staff find records by searching and filtering, not by paging through a million: 50 rows
    # (Django's 100 doubles the page's rendering, its largest cost once nothing scans).
    list_per_page = 50
    # Long texts no column shows: not read for the rows of a page (actions still get them).
    list_defer = ()
    # Small tables a column names (a category, an agency): read by id after the page rather
    # than joined into it, where each further join costs PostgreSQL more planning than the
    # read (a seven-table page query was planned in ~12 ms, executed in under 1 ms).
    list_prefetch = ()

    @admin.display(description=mark_safe('<input type="checkbox" id="action-toggle">'))
    def action_checkbox(self, obj):
        # Django's own markup, without a widget template rendered for each row (a third of a
        # 100-row page's time).
        label = format_html(_("Select this object for an action - {}"), obj)
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            label,
        )

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        if isinstance(changelist.result_list, models.QuerySet):  # one page: Django lists the queryset
            changelist.result_list = changelist.result_list.defer(*self.list_defer).prefetch_related(
                *self.list_prefetch
            )
        if isinstance(changelist.result_count, MoreThan):
            # "Show all" of a list nobody counted would read every row: one page instead.
            changelist.can_show_all = False
            if changelist.show_all:
                changelist.show_all = False
                changelist.result_list = changelist.paginator.page(changelist.page_num).object_list
        return changelist

    def get_list_filter(self, request):
        return cached_related_filters(self.model, super().get_list_filter(request))

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        return BoundedCountPaginator(
            queryset.defer(*self.list_defer).prefetch_related(*self.list_prefetch),
            per_page,
            orphans,
            allow_empty_first_page,
            page=requested_page(request),
            walk=getattr(request, WALK_ATTRIBUTE, False),
        )


def walk_index_for(request):
    """Called by a search that knows its matches are many: read this list along its index."""
    setattr(request, WALK_ATTRIBUTE, True)


def year_filter(field: str, title: str):
    """A list filter by year of `field` (a date or datetime, local years), in place of a date
    hierarchy, which lists the years with a DISTINCT over every row: the years between the
    first and the last value, two index look-ups (MIN and MAX), each year an index range."""

    class YearFilter(admin.SimpleListFilter):
        parameter_name = f"{field}_year"

        def lookups(self, request, model_admin):
            rows = model_admin.get_queryset(request)
            # Until content changes, per scope (the SQL of the staff member's rows).
            span = cached_value(
                f"admin-years:{_query_key(rows)}:{field}",
                lambda: rows.aggregate(first=models.Min(field), last=models.Max(field)),
            )
            if span["first"] is None:
                return []
            first, last = (_local(span[key]).year for key in ("first", "last"))
            return [(str(year), f"{year}年") for year in range(last, first - 1, -1)]

        def queryset(self, request, queryset):
            value = self.value()
            if value is None:
                return queryset
            if not (value.isdigit() and len(value) == 4):
                raise IncorrectLookupParameters(value)
            if isinstance(queryset.model._meta.get_field(field), models.DateTimeField):
                return queryset.filter(local_year_range(field, int(value)))
            return queryset.filter(**{f"{field}__year": int(value)})

    YearFilter.title = title
    YearFilter.__name__ = f"{field.title().replace('_', '')}YearFilter"
    return YearFilter


class CachedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A filter by a related row (topic, genre, agency…) whose choices are read once per
    generation (core.pagecache.cached_value: any change to the site's content starts a new
    one), not on every page. A subclass that reads other choices (`read_choices`) keys them by
    what they depend on (`choices_key`), e.g. the staff member's agencies."""

    def choices_key(self, field, request, model_admin) -> str:
        return f"{field.model._meta.label}.{field.name}:{self.field_admin_ordering(field, request, model_admin)}"

    def read_choices(self, field, request, model_admin):
        return super().field_choices(field, request, model_admin)

    def field_choices(self, field, request, model_admin):
        return cached_value(
            f"admin-choices:{self.choices_key(field, request, model_admin)}",
            lambda: list(self.read_choices(field, request, model_admin)),
        )


def cached_related_filters(model, list_filter):
    """`list_filter` with each plain related field ("topic") read by CachedRelatedFieldListFilter."""
    cached = []
    for entry in list_filter:
        if isinstance(entry, str) and "__" not in entry:
            field = model._meta.get_field(entry)
            if field.is_relation:
                entry = (entry, CachedRelatedFieldListFilter)
        cached.append(entry)
    return cached


def _query_key(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    return hashlib.sha256(repr((sql, params)).encode()).hexdigest()[:32]


def _local(value):
    return timezone.localtime(value) if isinstance(value, dt.datetime) else value


# --- the rows of a page ----------------------------------------------------------------------

# Stands for a row's id in the change URL reversed once a page (letters only: the admin's
# quote() and reverse() leave it as it is).
PK_PLACEHOLDER = "changelistrowpk"


def result_rows(cl):
    """The changelist's rows with the markup of Django's admin_list.results(), each row one
    string. Django works out, for every cell, what is the same for the whole column (the field,
    its classes, the empty value's text, whether it links) and, for every row, reverses and
    resolves its change URL; that was most of a 50-row page's time. Here the columns are worked
    out once and the URL is reversed once, with each row's id put in. Editable lists, pop-ups
    and ids other than integers keep Django's own rendering."""
    if cl.formset or cl.is_popup or cl.to_field:
        yield from results(cl)
        return
    columns = _columns(cl)
    url = _change_url(cl)
    for result in cl.result_list:
        pk = getattr(result, cl.pk_attname)
        if url is None or not isinstance(pk, int):
            yield from results(_OneRow(cl, result))
            continue
        row_url = url.replace(PK_PLACEHOLDER, str(pk), 1)
        yield ResultList(None, [mark_safe("".join(column(result, row_url) for column in columns))])


class _OneRow:
    """`cl` with one row, for Django's rendering of a row the fast path does not take."""

    def __init__(self, cl, result):
        self._cl, self.result_list = cl, [result]

    def __getattr__(self, name):
        return getattr(self._cl, name)


def _change_url(cl):
    """The change page's URL with the changelist's filters kept, escaped for an attribute, with
    PK_PLACEHOLDER for the row's id (ChangeList.url_for_result and add_preserved_filters)."""
    try:
        url = reverse(
            f"admin:{cl.opts.app_label}_{cl.opts.model_name}_change",
            args=(PK_PLACEHOLDER,),
            current_app=cl.model_admin.admin_site.name,
        )
    except NoReverseMatch:
        return None
    url = add_preserved_filters({"preserved_filters": cl.preserved_filters, "opts": cl.opts}, url)
    return escape(url)


def _columns(cl):
    """One function per list_display column, rendering its cell of a row (given the row's change
    URL) as admin_list.items_for_result does."""
    links = cl.list_display_links
    empty = cl.model_admin.get_empty_value_display()
    columns, first = [], True
    for index, name in enumerate(cl.list_display):
        if links is None:
            link = False
        else:
            link = (first and not links) or name in links
        tag = "th" if link and first else "td"
        if link:
            first = False
        try:
            field = None if callable(name) else _get_non_gfk_field(cl.opts, name)
        except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
            field = None
        classes = f"field-{_coerce_field_name(name, index)}"
        if field is not None and not field.auto_created:
            columns.append(_field_column(cl, name, field, classes, tag, link, empty))
        else:
            columns.append(_computed_column(cl, name, classes, tag, link, empty))
    return columns


def _cell(tag, classes, link, text, url):
    if link:
        text = format_html('<a href="{}">{}</a>', mark_safe(url), text)
    return f'<{tag} class="{classes}">{conditional_escape(text)}</{tag}>'


def _field_column(cl, name, field, classes, tag, link, empty):
    if isinstance(field, (models.DateField, models.TimeField, models.ForeignKey)):
        classes += " nowrap"
    related = isinstance(field.remote_field, models.ManyToOneRel)

    def render(result, url):
        try:
            value = getattr(result, name)
        except ObjectDoesNotExist:
            text = empty
        else:
            if related:
                text = empty if value is None else value
            else:
                if isinstance(value, str) and value.strip() == "":
                    value = ""
                text = display_for_field(value, field, empty, avoid_link=link)
        return _cell(tag, classes, link, text, url)

    return render


def _computed_column(cl, name, classes, tag, link, empty):
    """A ModelAdmin method, a model method or property, a callable, or an id."""
    if name == "action_checkbox":
        classes = "action-checkbox"

    def render(result, url):
        row_classes = classes
        try:
            field, attr, value = lookup_field(name, result, cl.model_admin)
        except ObjectDoesNotExist:
            text = empty
        else:
            if isinstance(value, str) and value.strip() == "":
                value = ""
            boolean = getattr(attr, "boolean", False)
            if isinstance(attr, property) and hasattr(attr, "fget"):
                boolean = getattr(attr.fget, "boolean", False)
            text = display_for_value(value, getattr(attr, "empty_value_display", empty), boolean)
            if isinstance(value, (dt.date, dt.time)):
                row_classes += " nowrap"
        return _cell(tag, row_classes, link, text, url)

    return render
