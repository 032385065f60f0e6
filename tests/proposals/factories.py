import datetime as dt

import factory

from proposals.defaults import ensure_defaults
from proposals.models import Assembly, Member, Proposal, Reply, ReplyCategory, SatisfactionLevel, Session
from tests.disclosures.factories import OrganizationFactory


def vocabularies():
    """The migration's defaults (transactional tests flush them, so make sure they exist)."""
    ensure_defaults(ReplyCategory, SatisfactionLevel)
    return {c.code: c for c in ReplyCategory.objects.all()}, {s.code: s for s in SatisfactionLevel.objects.all()}


def category(code):
    return vocabularies()[0][code]


def level(code):
    return vocabularies()[1][code]


class GovernmentFactory(OrganizationFactory):
    name = "测试区人民政府"
    org_code = "123456789"


class UnitFactory(OrganizationFactory):
    name = factory.Sequence(lambda n: f"测试区第{n}局")
    org_code = ""
    parent = factory.SubFactory(GovernmentFactory)


class AssemblyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assembly
        django_get_or_create = ["name"]

    kind = Assembly.Kind.CPPCC
    place = "测试区"
    name = "政协测试区"


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session
        django_get_or_create = ["assembly", "term", "number"]

    assembly = factory.SubFactory(AssemblyFactory)
    term = 10
    number = factory.Sequence(lambda n: n + 1)
    year = 2024


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    assembly = factory.SubFactory(AssemblyFactory)
    name = factory.Sequence(lambda n: f"委员{n:03d}")
    sector = "经济界"


class ProposalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Proposal

    session = factory.SubFactory(SessionFactory)
    number = factory.Sequence(lambda n: f"{1000 + n}")
    title = factory.Sequence(lambda n: f"关于测试事项的建议（{n}）")
    lead_member = factory.SubFactory(MemberFactory, assembly=factory.SelfAttribute("..session.assembly"))
    assigned_on = dt.date(2024, 3, 15)
    lead_unit = factory.SubFactory(UnitFactory)
    status = Proposal.Status.ASSIGNED


class ReplyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reply

    proposal = factory.SubFactory(ProposalFactory)
    answering_unit = factory.SelfAttribute("proposal.lead_unit")
    letter = factory.Sequence(lambda n: f"<p>尊敬的委员：</p><p>答复正文第{n}号。</p>")
    replied_on = dt.date(2024, 5, 20)
    category = factory.LazyFunction(lambda: category("A"))
    contact_person = "李经办"
    contact_phone = "0871-60000000"
    status = Reply.Status.DRAFT
