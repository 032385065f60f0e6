"""The rules a fact or designation must satisfy, however it is entered."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import serializers
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from communities import services
from communities.citations import highlight_sentence
from communities.models import Fact
from communities.numbers import chinese_numeral, format_number, text_states_number

from .factories import (
    CommunityFactory,
    DesignationFactory,
    FactFactory,
    MetricFactory,
    ProgramFactory,
    SourcedRecordFactory,
    StreetFactory,
)

pytestmark = pytest.mark.django_db
SENTENCE = "截至2024年底,官渡区共开展社区协商各类活动600次。"


def make_fact(**overrides):
    record = overrides.pop("source_record", None) or SourcedRecordFactory(sentence=SENTENCE)
    values = dict(
        metric=MetricFactory(),
        value=Decimal(600),
        figure_text="600次",
        period="截至2024年底",
        period_end=dt.date(2024, 12, 31),
        source_record=record,
        sentence=SENTENCE,
    )
    values.update(overrides)
    return services.fact_create(**values)


def test_numbers_are_found_only_as_whole_numbers_in_digits_or_chinese():
    assert format_number(Decimal("49.0000")) == "49" and format_number(Decimal("93.90")) == "93.9"
    assert format_number(Decimal("8000")) == "8000"
    assert [chinese_numeral(n) for n in (4, 10, 17, 20, 99)] == ["四", "十", "十七", "二十", "九十九"]
    assert text_states_number("活动473次", 473)
    assert not text_states_number("活动4730次", 473)
    assert not text_states_number("2023年", 23)
    assert text_states_number("建立四档17阶", 4) and text_states_number("建立四档17阶", 17)
    assert not text_states_number("十七级", 7)


def test_a_fact_is_saved_with_the_metric_unit_and_shown_as_the_source_says_it():
    fact = make_fact(unit="", approximation=Fact.Approximation.NEARLY, value=Decimal(600))
    assert fact.unit == fact.metric.unit == "个"
    assert fact.display_value == "近600个"
    over = make_fact(metric=MetricFactory(unit="名"), value=Decimal(600), approximation=Fact.Approximation.OVER)
    assert over.display_value == "600多名"


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"sentence": "截至2024年底,官渡区共开展社区协商各类活动601次。"}, "sentence"),  # not in the body
        ({"figure_text": "601次"}, "figure_text"),  # the quoted figure is not the value
        ({"value": Decimal(60)}, "figure_text"),  # 60 is not a whole number in "600次"
        ({"figure_text": "700次"}, "figure_text"),
        ({"value": Decimal(-1), "figure_text": "600次"}, "value"),
    ],
)
def test_a_fact_that_does_not_match_its_source_is_refused_with_a_message(overrides, field):
    with pytest.raises(ValidationError) as error:
        make_fact(**overrides)
    assert field in error.value.message_dict
    assert Fact.objects.count() == 0


def test_scope_must_name_exactly_the_place_it_speaks_of():
    street = StreetFactory()
    community = CommunityFactory(street=street)
    with pytest.raises(ValidationError) as error:
        make_fact(scope=Fact.Scope.STREET)
    assert "street" in error.value.message_dict
    with pytest.raises(ValidationError):
        make_fact(scope=Fact.Scope.DISTRICT, community=community)
    assert make_fact(scope=Fact.Scope.COMMUNITY, community=community).scope_label == str(community)
    # The database holds the same invariant for rows written without full_clean().
    fact = FactFactory()
    fact.scope = Fact.Scope.COMMUNITY
    with pytest.raises(IntegrityError), transaction.atomic():
        fact.save()


def test_the_same_figure_cannot_be_entered_twice_from_one_source():
    first = make_fact()
    with pytest.raises(ValidationError):
        make_fact(metric=first.metric, source_record=first.source_record)


def test_a_newer_source_adds_a_fact_and_keeps_the_older_one():
    old = make_fact()
    newer_sentence = "截至2025年底,官渡区共开展社区协商各类活动700次。"
    newer = make_fact(
        metric=old.metric,
        value=Decimal(700),
        figure_text="700次",
        period="截至2025年底",
        period_end=dt.date(2025, 12, 31),
        sentence=newer_sentence,
        source_record=SourcedRecordFactory(sentence=newer_sentence),
    )
    series = list(Fact.objects.filter(metric=old.metric).order_by("period_end").values_list("value", flat=True))
    assert series == [Decimal(600), Decimal(700)]
    old.refresh_from_db()
    assert old.value == Decimal(600) and newer.pk != old.pk
    assert old.history.count() == 1


def test_designation_quotes_a_sentence_naming_the_community():
    community = CommunityFactory(name="凤鸣社区")
    sentence = f"2024年,{community}被确定为第四批试点。"
    record = SourcedRecordFactory(sentence=sentence)
    designation = services.designation_create(
        program=ProgramFactory(),
        community=community,
        source_record=record,
        sentence=sentence,
        batch_first=4,
        year=2024,
        period="2024年",
    )
    assert designation.batch_label == "第4批" and designation.batch_last == 4
    other = CommunityFactory(street=community.street, name="别的社区")
    with pytest.raises(ValidationError) as error:
        services.designation_create(program=ProgramFactory(), community=other, source_record=record, sentence=sentence)
    assert "sentence" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.designation_create(
            program=ProgramFactory(),
            community=community,
            source_record=record,
            sentence=sentence,
            batch_first=5,
            batch_last=4,
        )
    assert "batch_last" in error.value.message_dict


def test_natural_keys_round_trip_through_a_fixture():
    fact = FactFactory(scope=Fact.Scope.STREET, street=StreetFactory())
    designation = DesignationFactory()
    data = serializers.serialize(
        "json", [fact, designation], use_natural_foreign_keys=True, use_natural_primary_keys=True
    )
    restored = [item.object for item in serializers.deserialize("json", data)]
    assert [obj.pk for obj in restored] == [fact.pk, designation.pk]


def test_highlight_wraps_only_text_never_markup():
    body = '<p title="截至2024年底,活动600次。">截至2024年底,活动600次。</p><p>a &lt; b</p>'
    marked = highlight_sentence(body, sentence="截至2024年底,活动600次。", anchor="fact-1", emphasis="600次")
    assert marked == (
        '<p title="截至2024年底,活动600次。"><mark id="fact-1" class="cited-sentence">截至2024年底,活动'
        "<strong>600次</strong>。</mark></p><p>a &lt; b</p>"
    )
    assert highlight_sentence(body, sentence="a < b", anchor="x").endswith(
        '<p><mark id="x" class="cited-sentence">a &lt; b</mark></p>'
    )
    assert highlight_sentence(body, sentence="不存在", anchor="x") is None


def test_the_services_quote_only_the_staff_members_own_agencys_records():
    """As the admin does (SourcedAdminMixin): another agency's figures are theirs to enter."""
    from django.contrib.auth.models import User
    from django.core.exceptions import PermissionDenied

    from disclosures.models import AgencyMembership
    from tests.disclosures.factories import OrganizationFactory

    record = SourcedRecordFactory(sentence=SENTENCE)
    outsider = User.objects.create_user("jyj-clerk", password="pw-123456789", is_staff=True)
    AgencyMembership.objects.create(user=outsider, organization=OrganizationFactory(name="测试区教育局"))
    with pytest.raises(PermissionDenied):
        make_fact(source_record=record, user=outsider)
    community = CommunityFactory()
    with pytest.raises(PermissionDenied):
        services.designation_create(
            program=ProgramFactory(), community=community, source_record=record, sentence=SENTENCE, user=outsider
        )
    assert not Fact.objects.exists()
    AgencyMembership.objects.create(user=outsider, organization=record.publisher)
    assert make_fact(source_record=record, user=outsider).source_record == record
