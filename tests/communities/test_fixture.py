"""The seed's community-governance facts: every figure quoted verbatim from the restored letter."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from communities.citations import body_text
from communities.models import Community, Designation, Fact, Metric, Street
from communities.numbers import text_states_number

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_seed")]  # the seed, loaded once
FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "030_communities.json"

# Every quantitative statement of the letter: (metric, category, value, approximation).
EXPECTED = {
    ("street-count", "", "8", ""),
    ("community-count", "", "99", ""),
    ("pilot-funding", "", "49", ""),
    ("certificates-cancelled", "", "356", ""),
    ("certificates-retained", "", "6", ""),
    ("certificates-by-committees", "", "1", ""),
    ("consultation-activities", "", "473", ""),
    ("consultation-matters", "", "556", ""),
    ("consultation-carried-out", "", "522", ""),
    ("village-rules-communities", "", "99", ""),
    ("village-rules-completion", "", "100", ""),
    ("training-funding", "", "40", "nearly"),
    ("workers-trained", "", "130", "over"),
    ("workers-recruited", "", "124", ""),
    ("exam-passes", "", "739", ""),
    ("exam-passes", "初级", "622", ""),
    ("exam-passes", "中级", "117", ""),
    ("pay-tiers", "", "4", ""),
    ("pay-steps", "", "17", ""),
    ("pay-min", "", "4300", ""),
    ("pay-max", "", "6800", ""),
    ("salary-funding", "", "8000", "nearly"),
    ("title-subsidy", "初级社工师", "200", ""),
    ("title-subsidy", "中级社工师", "400", ""),
    ("title-subsidy", "高级社工师", "600", ""),
    ("housing-fund-rate", "", "5", ""),
    ("housing-fund-years", "持证社区工作者", "3", ""),
    ("housing-fund-years", "社区正职", "9", ""),
}


def test_every_fact_quotes_its_source_sentence_verbatim_and_that_sentence_states_the_number(seed):
    facts = list(Fact.objects.select_related("source_record", "metric"))
    assert len(facts) == len(EXPECTED) == 28
    for fact in facts:
        text = body_text(fact.source_record.body)
        assert fact.sentence in text, fact
        assert fact.figure_text in fact.sentence, fact
        assert text_states_number(fact.sentence, fact.value), fact
        assert text_states_number(fact.figure_text, fact.value), fact
        fact.full_clean()  # the same checks staff get in the admin


def test_the_fixture_holds_every_figure_of_the_letter(seed):
    found = {(f.metric.slug, f.category, f.number, f.approximation) for f in Fact.objects.select_related("metric")}
    assert found == EXPECTED


def test_the_sentences_are_the_restored_reading_not_the_capture(seed):
    sentences = set(Fact.objects.values_list("sentence", flat=True))
    assert "截至2022年底,官渡区99个社区共开展社区协商各类活动473次,社区协商事项556项,落实数量522项;" in sentences
    assert "2020年以来,累计招聘社区工作者124名,充实社区工作者队伍" in sentences
    assert any("4300—6800元/月/人(含五险)" in s for s in sentences)
    assert any("获得高级社工师每月补贴600元。" in s for s in sentences)
    assert not any("截至2022底" in s or "43006800" in s for s in sentences)


def test_breakdowns_add_up_to_their_totals(seed):
    passes = {f.category: f.value for f in Fact.objects.filter(metric__slug="exam-passes")}
    assert passes["初级"] + passes["中级"] == passes[""] == Decimal(739)


def test_only_the_streets_communities_and_designations_the_letter_names(seed):
    text = body_text(seed.body)
    assert sorted(Street.objects.values_list("name", flat=True)) == sorted(
        ["太和街道", "矣六街道", "小板桥街道", "关上街道", "金马街道"]
    )
    for community in Community.objects.select_related("street"):
        assert f"{community.street.name}{community.name}" in text  # named together, as the letter does
    assert Community.objects.count() == 6
    pilots = {
        (str(d.community), d.batch_label, d.year) for d in Designation.objects.filter(program__slug="provincial-pilot")
    }
    assert pilots == {
        ("太和街道和平路社区", "第1—2批", None),
        ("矣六街道云翔社区", "第1—2批", None),
        ("小板桥街道林岸馨宸社区", "第1—2批", None),
        ("关上街道石虎关社区", "第1—2批", None),
        ("矣六街道新亚洲体育城社区", "第3批", 2023),
        ("金马街道凤凰山社区", "第3批", 2023),
    }
    exemplars = {str(d.community) for d in Designation.objects.filter(program__slug="consultation-exemplar")}
    assert exemplars == {"关上街道石虎关社区", "太和街道和平路社区"}
    for designation in Designation.objects.select_related("source_record", "community__street", "program"):
        assert designation.sentence in text
        designation.full_clean()


def test_metrics_have_units_and_the_fixture_uses_natural_keys_only():
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert all("pk" not in item for item in data)
    metrics = [item["fields"] for item in data if item["model"] == "communities.metric"]
    assert all(m["unit"] for m in metrics)
    assert {m["slug"] for m in metrics if m["headline_position"]} >= {
        "street-count",
        "community-count",
        "consultation-activities",
        "workers-recruited",
        "exam-passes",
        "pay-min",
    }


def test_loading_the_seed_twice_keeps_staff_edits_and_adds_nothing(seed):
    metric = Metric.objects.get(slug="community-count")
    metric.description = "工作人员修改过的说明"
    metric.save()
    counts = (Fact.objects.count(), Designation.objects.count(), Metric.objects.count())
    call_command("load_seed", verbosity=0)
    assert (Fact.objects.count(), Designation.objects.count(), Metric.objects.count()) == counts
    assert Metric.objects.get(slug="community-count").description == "工作人员修改过的说明"
