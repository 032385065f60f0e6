import django_filters
from django import forms

from .models import DisclosureRecord, Organization, Topic


class RecordFilter(django_filters.FilterSet):
    topic = django_filters.ModelChoiceFilter(label="主题分类", queryset=Topic.objects.all())
    publisher = django_filters.ModelChoiceFilter(label="发布机构", queryset=Organization.objects.all())
    year = django_filters.NumberFilter(
        label="年份", method="filter_year",
        widget=forms.NumberInput(attrs={"min": 1949, "max": 2100, "inputmode": "numeric"}),
    )

    class Meta:
        model = DisclosureRecord
        fields = ["topic", "publisher", "year"]

    def filter_year(self, queryset, name, value):
        import datetime as dt

        from django.utils import timezone

        if value is None:
            return queryset
        year = int(value)
        if not 1949 <= year <= 2100:
            return queryset.none()
        tz = timezone.get_current_timezone()
        start = dt.datetime(year, 1, 1, tzinfo=tz)
        end = dt.datetime(year + 1, 1, 1, tzinfo=tz)
        return queryset.filter(published_at__gte=start, published_at__lt=end)
