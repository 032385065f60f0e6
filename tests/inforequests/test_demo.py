import pytest

from inforequests.demo import load_demo_data
from inforequests.models import Case

pytestmark = pytest.mark.django_db


def test_demo_cases_in_every_state_labelled_and_idempotent(client):
    assert load_demo_data() == 8
    assert load_demo_data() == 0
    cases = Case.objects.all()
    assert {case.state for case in cases} == set(Case.State.values)
    assert all(case.is_demo and "演示数据" in case.title for case in cases)
    assert client.get("/disclosures/apply/statistics/").status_code == 200
    page = client.get(f"/disclosures/apply/published/{cases.published().get().number}/")
    # Answered again after the agency's own review: both answers shown, the new one as redacted.
    assert page.status_code == 200 and "本件已重新答复" in page.content.decode()
    assert "经复查，部分信息予以公开，见所附目录。" in page.content.decode()
