from django.contrib import admin
from django.db.models import Q

from core.admin_input import AdminInputMixin
from core.concurrency import VersionedAdminMixin
from core.history_admin import HistoryAdmin
from disclosures import selectors as disclosure_selectors
from disclosures.admin import AgencyScopedHistoryMixin, DistrictWideAdminMixin

from .models import Community, Designation, Fact, Metric, Program, Street


class SourcedAdminMixin(AgencyScopedHistoryMixin):
    """Facts and designations quote a record: staff see those quoting their own agencies'
    records or public ones, never another agency's draft, scheduled or withdrawn record (its
    title, or whether a sentence is in its body, would show); they add, change and delete only
    those quoting their own agencies' records (district-wide staff: every one)."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if disclosure_selectors.manages_all_agencies(request.user):
            return queryset
        linkable = disclosure_selectors.records_linkable(request.user).values("pk")
        return queryset.filter(Q(source_record__isnull=True) | Q(source_record__in=linkable))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._source_agency_staff(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._source_agency_staff(request, obj)

    @staticmethod
    def _source_agency_staff(request, obj):
        """Another agency may cite a public record; the figures quoted from it are changed by
        the staff of the agency that published it (agencies_of: district-wide staff, all)."""
        record = obj.source_record if obj is not None else None
        return record is None or disclosure_selectors.can_manage_record(request.user, record)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "source_record":
            # Quoted from the staff member's own agencies' records only: the figures are theirs
            # to keep up to date (has_change_permission), so theirs to add.
            kwargs["queryset"] = disclosure_selectors.records_for_staff(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CommunityInline(AdminInputMixin, admin.TabularInline):
    model = Community
    extra = 0
    fields = ["name", "position"]


# The district's streets and communities, which every agency's figures and pages name: as its
# indicators and programmes, changed by district-wide staff only (a 录入员 renamed a street, live).
@admin.register(Street)
class StreetAdmin(DistrictWideAdminMixin, VersionedAdminMixin, HistoryAdmin):
    list_display = ["name", "position"]
    search_fields = ["name"]
    inlines = [CommunityInline]


@admin.register(Community)
class CommunityAdmin(DistrictWideAdminMixin, VersionedAdminMixin, HistoryAdmin):
    list_display = ["name", "street", "position"]
    list_filter = ["street"]
    list_select_related = ["street"]
    search_fields = ["name", "street__name"]
    autocomplete_fields = ["street"]


@admin.register(Program)
class ProgramAdmin(DistrictWideAdminMixin, VersionedAdminMixin, HistoryAdmin):
    list_display = ["name", "slug", "level", "position"]
    search_fields = ["name", "slug"]


@admin.register(Designation)
class DesignationAdmin(SourcedAdminMixin, VersionedAdminMixin, HistoryAdmin):
    list_display = ["community", "program", "title", "batch_first", "batch_last", "year", "source_record"]
    list_filter = ["program", "level", "community__street"]
    list_select_related = ["community__street", "program", "source_record"]
    search_fields = ["community__name", "community__street__name", "title", "sentence"]
    autocomplete_fields = ["program", "community", "source_record"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "program",
                    "community",
                    "title",
                    "level",
                    "batch_first",
                    "batch_last",
                    "year",
                    "period",
                    "note",
                ]
            },
        ),
        ("来源", {"fields": ["source_record", "sentence"]}),
    ]


@admin.register(Metric)
class MetricAdmin(DistrictWideAdminMixin, VersionedAdminMixin, HistoryAdmin):
    list_display = ["name", "slug", "unit", "position", "headline_position"]
    list_editable = ["position", "headline_position"]
    search_fields = ["name", "slug"]


@admin.register(Fact)
class FactAdmin(SourcedAdminMixin, VersionedAdminMixin, HistoryAdmin):
    list_display = ["metric", "category", "display_value", "period", "period_end", "scope", "source_record"]
    list_filter = ["metric", "scope", "approximation", "source_record__status"]
    list_select_related = ["metric", "source_record", "street", "community__street"]
    search_fields = ["metric__name", "category", "sentence", "figure_text", "period"]
    autocomplete_fields = ["metric", "street", "community", "source_record"]
    date_hierarchy = "period_end"
    fieldsets = [
        (None, {"fields": ["metric", "category", "value", "unit", "approximation", "figure_text", "position"]}),
        ("时期与范围", {"fields": ["period", "period_end", "scope", "street", "community"]}),
        (
            "来源",
            {
                "fields": ["source_record", "sentence"],
                "description": "每个数字都须出自已公开的记录；新来源请新增一条，不要修改旧数据，以保留历次数据。",
            },
        ),
    ]

    @admin.display(description="数值")
    def display_value(self, obj):
        return obj.display_value
