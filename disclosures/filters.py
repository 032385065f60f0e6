import django_filters
from django import forms

from core.dates import FIRST_YEAR, LAST_YEAR, YEAR_WIDGET_ATTRS, local_day_range, local_year_range
from core.filters import AppliedFilters

from .document_numbers import normalize_document_number
from .models import DisclosureRecord, Organization, Topic

YEAR_OUT_OF_RANGE = f"年份应在{FIRST_YEAR}至{LAST_YEAR}年之间。"


class YearFilter(django_filters.NumberFilter):
    # A whole year: "2026.5" listed 2026 while the form kept the decimal ("2026.5年（无信息）").
    field_class = forms.IntegerField


class RecordFilter(django_filters.FilterSet):
    topic = django_filters.ModelChoiceFilter(label="主题分类", queryset=Topic.objects.all())
    publisher = django_filters.ModelChoiceFilter(label="发布机构", queryset=Organization.objects.all())
    year = YearFilter(
        label="年份",
        method="filter_year",
        widget=forms.NumberInput(attrs=YEAR_WIDGET_ATTRS),
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        error_messages={
            "invalid": "年份请填写四位数字，如2026。",
            "min_value": YEAR_OUT_OF_RANGE,
            "max_value": YEAR_OUT_OF_RANGE,
        },
    )

    class Meta:
        model = DisclosureRecord
        fields = ["topic", "publisher", "year"]

    def filter_year(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(local_year_range("published_at", value))


class RecordApiFilter(AppliedFilters, RecordFilter):
    """The catalogue's filters (topic, publisher, year: defined once, above) and those only the
    open-data API offers. The API validates its parameters with its own forms (they document
    them in the OpenAPI schema) and hands the cleaned values to `apply` (core.filters)."""

    validity = django_filters.ChoiceFilter(choices=DisclosureRecord.Validity.choices)
    document_number = django_filters.CharFilter(method="filter_document_number")
    published_after = django_filters.DateFilter(method="filter_published_after")
    published_before = django_filters.DateFilter(method="filter_published_before")

    def filter_document_number(self, queryset, name, value):
        return queryset.filter(document_number=normalize_document_number(value))

    def filter_published_after(self, queryset, name, value):
        return queryset.filter(local_day_range("published_at", first=value))

    def filter_published_before(self, queryset, name, value):
        return queryset.filter(local_day_range("published_at", last=value))
