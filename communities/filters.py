import django_filters
from django.db.models import Q

from core.filters import AppliedFilters

from .models import Fact


class FactApiFilter(AppliedFilters, django_filters.FilterSet):
    """The open-data API's fact filters; the API validates the values with its own form."""

    metric = django_filters.CharFilter(field_name="metric__slug")
    scope = django_filters.ChoiceFilter(choices=Fact.Scope.choices)
    street = django_filters.NumberFilter(method="filter_street")
    source = django_filters.CharFilter(field_name="source_record__index_number")

    class Meta:
        model = Fact
        fields = ["metric", "scope", "street", "source"]

    def filter_street(self, queryset, name, value):
        """The street's own facts and those of its communities."""
        return queryset.filter(Q(street_id=value) | Q(community__street_id=value))
