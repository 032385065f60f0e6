import django_filters
from django import forms
from django.db.models import Q

from core.dates import FIRST_YEAR, LAST_YEAR, YEAR_WIDGET_ATTRS
from core.filters import AppliedFilters
from disclosures.models import Organization

from .forms import PlainLabels
from .models import Assembly, Proposal, Reply, ReplyCategory, Session, normalize_proposal_number


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField  # "2023.5" is an error, not a year


class ProposalFilter(django_filters.FilterSet):
    assembly = django_filters.ModelChoiceFilter(
        label="人大/政协", field_name="session__assembly", queryset=Assembly.objects.all(), empty_label="全部"
    )
    session = django_filters.ModelChoiceFilter(
        label="届次会议", queryset=Session.objects.select_related("assembly"), empty_label="全部"
    )
    unit = django_filters.ModelChoiceFilter(
        label="承办单位",
        method="filter_unit",
        empty_label="全部",
        queryset=Organization.objects.filter(
            Q(lead_proposals__isnull=False) | Q(assisting_proposals__isnull=False)
        ).distinct(),
    )
    category = django_filters.ModelChoiceFilter(
        label="办理结果分类", method="filter_category", queryset=ReplyCategory.objects.all(), empty_label="全部"
    )
    status = django_filters.ChoiceFilter(
        label="办理状态",
        choices=Proposal.Status.choices,
        empty_label="全部",
        # Django's own message repeats the value: a crafted link could write any sentence on the page.
        error_messages={"invalid_choice": "没有这个选项，请重新选择。"},
    )
    year = YearFilter(
        label="年度",
        field_name="session__year",
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        widget=forms.NumberInput(attrs=YEAR_WIDGET_ATTRS),
    )
    member = django_filters.CharFilter(label="代表委员姓名", method="filter_member", max_length=50)

    class Meta:
        model = Proposal
        fields = ["assembly", "session", "unit", "category", "status", "year", "member"]

    def get_form_class(self):
        return type("ProposalFilterForm", (PlainLabels, super().get_form_class()), {})

    def filter_unit(self, queryset, name, value):
        matching = Proposal.objects.filter(Q(lead_unit=value) | Q(assisting_units=value))
        return queryset.filter(pk__in=matching.values("pk"))

    def filter_category(self, queryset, name, value):
        """Classified by the proposal's published replies (unpublished ones never show)."""
        return queryset.filter(pk__in=Reply.objects.public().filter(category=value).values("proposal"))

    def filter_member(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        matching = Proposal.objects.filter(
            Q(lead_member__name__icontains=value) | Q(co_proposers__name__icontains=value)
        )
        return queryset.filter(pk__in=matching.values("pk"))


class ReplyApiFilter(AppliedFilters, django_filters.FilterSet):
    """The open-data API's reply filters; the API validates the values with its own form."""

    session = django_filters.NumberFilter(field_name="proposal__session_id")
    year = django_filters.NumberFilter(field_name="proposal__session__year")
    number = django_filters.CharFilter(method="filter_number")
    unit = django_filters.NumberFilter(field_name="answering_unit_id")
    category = django_filters.CharFilter(method="filter_category")

    class Meta:
        model = Reply
        fields = ["session", "year", "number", "unit", "category"]

    def filter_number(self, queryset, name, value):
        return queryset.filter(proposal__number=normalize_proposal_number(value))

    def filter_category(self, queryset, name, value):
        return queryset.filter(category__code=value.upper())
