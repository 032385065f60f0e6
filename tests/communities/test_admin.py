"""Staff keep the lists in the admin; every change is on record, bad input gets a message."""

import pytest
from django.contrib.auth.models import User

from communities.models import Community, Designation, Fact, Metric, Program, Street
from tests.staff import sign_in_staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_seed")]  # the seed, loaded once
MODELS = [Street, Community, Program, Designation, Metric, Fact]


@pytest.fixture
def admin_client(client):
    return sign_in_staff(client, User.objects.create_superuser("chief", password="pw-123456789"))


def url(model, action, *args):
    base = f"/admin/communities/{model._meta.model_name}/"
    return base + "".join(f"{arg}/" for arg in args) + (f"{action}/" if action else "")


def test_every_model_has_list_add_change_and_history_pages(admin_client, seed):
    for model in MODELS:
        obj = model.objects.first()
        for page in [url(model, ""), url(model, "add"), url(model, "change", obj.pk), url(model, "history", obj.pk)]:
            assert admin_client.get(page).status_code == 200, page
    assert admin_client.get(url(Fact, "") + "?q=473").status_code == 200


def fact_form(seed, **overrides):
    data = {
        "metric": Metric.objects.get(slug="consultation-activities").pk,
        "category": "",
        "value": "600",
        "unit": "",
        "approximation": "",
        "figure_text": "600次",
        "position": "0",
        "period": "截至2023年底",
        "period_end": "2023-12-31",
        "scope": "district",
        "street": "",
        "community": "",
        "source_record": seed.pk,
        "sentence": "截至2023年底,官渡区共开展社区协商各类活动600次。",
    }
    data.update(overrides)
    return data


def test_a_fact_not_in_its_source_is_refused_and_the_input_kept(admin_client, seed):
    response = admin_client.post(url(Fact, "add"), fact_form(seed))
    assert response.status_code == 200
    html = response.content.decode()
    assert "原文语句须与来源记录正文逐字一致" in html
    assert "截至2023年底,官渡区共开展社区协商各类活动600次。" in html  # nothing typed is lost
    assert Fact.objects.count() == 28


def test_a_newer_figure_is_added_with_history_and_the_old_one_kept(admin_client, seed):
    sentence = "截至2022年底,官渡区99个社区共开展社区协商各类活动473次,社区协商事项556项,落实数量522项;"
    response = admin_client.post(
        url(Fact, "add"),
        fact_form(
            seed,
            metric=Metric.objects.get(slug="community-count").pk,
            category="（复核）",
            value="99",
            figure_text="99个社区",
            period="截至2022年底",
            sentence=sentence,
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    added = Fact.objects.get(category="（复核）")
    assert added.unit == "个"
    assert added.history.first().history_user.username == "chief"
    assert Fact.objects.filter(metric__slug="community-count").count() == 2


def test_changing_a_metric_is_on_record(admin_client, seed):
    metric = Metric.objects.get(slug="pay-min")
    response = admin_client.post(
        url(Metric, "change", metric.pk),
        {
            "slug": "pay-min",
            "name": metric.name,
            "unit": "元/月",
            "description": "每人每月，含五险；来文时现行标准。",
            "position": metric.position,
            "headline_position": metric.headline_position,
        },
    )
    assert response.status_code == 302
    assert [h.description for h in metric.history.all()][:1] == ["每人每月，含五险；来文时现行标准。"]
    assert metric.history.first().history_user.username == "chief"
