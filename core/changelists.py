"""Admin changelists over tables of a million rows: nothing counts the whole table.

Django's changelist counts every matching row (the paginator) and, by default, every row of
the table again ("N total"), and offers facet counts per filter choice: each a full scan at a
million records. Here the paginator counts only as far as the page after the one shown, and
says "more than N" past that (`MoreThan`), which every admin text reading the count (the
paginator line, "N 条结果", the select-all prompt) then shows as it is."""

import datetime as dt

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import PAGE_VAR
from django.core.paginator import Paginator
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from .dates import local_year_range
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
    try:
        return int(request.GET.get(PAGE_VAR) or request.GET.get("page") or 1)
    except ValueError:
        return 1


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
        if isinstance(changelist.result_list, models.QuerySet) and self.list_defer:
            changelist.result_list = changelist.result_list.defer(*self.list_defer)
        if isinstance(changelist.result_count, MoreThan):
            # "Show all" of a list nobody counted would read every row: one page instead.
            changelist.can_show_all = False
            if changelist.show_all:
                changelist.show_all = False
                changelist.result_list = changelist.paginator.page(changelist.page_num).object_list
        return changelist

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        return BoundedCountPaginator(
            queryset.defer(*self.list_defer),
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
            span = model_admin.get_queryset(request).aggregate(first=models.Min(field), last=models.Max(field))
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


def _local(value):
    return timezone.localtime(value) if isinstance(value, dt.datetime) else value
