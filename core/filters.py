"""FilterSets applied to values another form has already validated."""


class AppliedFilters:
    """Mixed into a django-filter FilterSet whose filters are also offered where the parameters
    are validated by a form of their own (the open-data API documents its parameters in the
    OpenAPI schema from its forms): `apply` runs the same filters on the cleaned values."""

    @classmethod
    def apply(cls, queryset, values: dict):
        """`queryset` narrowed by already-validated `values` ({filter name: value}); empty ones
        narrow nothing, and names the FilterSet does not define are ignored."""
        filterset = cls(queryset=queryset)
        for name, value in values.items():
            if value not in (None, "") and name in filterset.filters:
                queryset = filterset.filters[name].filter(queryset, value)
        return queryset
