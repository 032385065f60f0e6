import datetime as dt
from decimal import Decimal

import factory

from communities.models import Community, Designation, Fact, Metric, Program, Street
from tests.disclosures.factories import PublishedRecordFactory


class StreetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Street
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"测试{n}街道")


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community
        django_get_or_create = ["street", "name"]

    street = factory.SubFactory(StreetFactory)
    name = factory.Sequence(lambda n: f"测试{n}社区")


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"program-{n}")
    name = factory.Sequence(lambda n: f"测试试点项目{n}")
    level = "provincial"


class MetricFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Metric
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"metric-{n}")
    name = factory.Sequence(lambda n: f"测试指标{n}")
    unit = "个"


class SourcedRecordFactory(PublishedRecordFactory):
    """A published record whose body states one figure, quoted by the facts below."""

    body = factory.LazyAttribute(lambda o: f"<p>{o.sentence}</p>")

    class Params:
        sentence = "截至2024年底,官渡区共开展社区协商各类活动600次。"


class FactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Fact

    class Params:
        statement = "截至2024年底,官渡区共开展社区协商各类活动600次。"

    metric = factory.SubFactory(MetricFactory)
    value = Decimal("600")
    unit = "次"
    figure_text = "600次"
    period = "截至2024年底"
    period_end = dt.date(2024, 12, 31)
    source_record = factory.SubFactory(SourcedRecordFactory, sentence=factory.SelfAttribute("..statement"))
    sentence = factory.SelfAttribute("statement")


class DesignationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Designation

    class Params:
        statement = factory.LazyAttribute(lambda o: f"2024年,{o.community}被确定为第四批试点。")

    program = factory.SubFactory(ProgramFactory)
    community = factory.SubFactory(CommunityFactory)
    batch_first = 4
    batch_last = 4
    year = 2024
    period = "2024年"
    source_record = factory.SubFactory(SourcedRecordFactory, sentence=factory.SelfAttribute("..statement"))
    sentence = factory.SelfAttribute("statement")
