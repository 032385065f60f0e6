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
    assert client.get(f"/disclosures/apply/published/{cases.published().get().number}/").status_code == 200
