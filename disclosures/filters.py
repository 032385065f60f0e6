import django_filters
from django import forms

from core.dates import YEAR_WIDGET_ATTRS, local_year_range

from .models import DisclosureRecord, Organization, Topic


class RecordFilter(django_filters.FilterSet):
    topic = django_filters.ModelChoiceFilter(label="主题分类", queryset=Topic.objects.all())
    publisher = django_filters.ModelChoiceFilter(label="发布机构", queryset=Organization.objects.all())
    year = django_filters.NumberFilter(
        label="年份", method="filter_year",
        widget=forms.NumberInput(attrs=YEAR_WIDGET_ATTRS),
    )

    class Meta:
        model = DisclosureRecord
        fields = ["topic", "publisher", "year"]

    def filter_year(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(local_year_range("published_at", int(value)))
