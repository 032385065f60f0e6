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


def test_demo_and_seed_answers_name_the_reconsideration_body():
    """Every answer told the applicant only to apply "依法" for 复议, naming no 复议机关: neither
    the seed's agency nor the demo's had one (行政复议法 2023, Art. 24: a department's is its
    district government; the district government's, the city's)."""
    from django.core.management import call_command

    from inforequests.models import Agency

    call_command("load_seed", verbosity=0)
    load_demo_data()
    bodies = dict(Agency.objects.values_list("organization__name", "reconsideration_body"))
    assert bodies["昆明市官渡区人民政府"] == "昆明市人民政府"
    assert bodies["演示区人民政府办公室"] == "演示区人民政府"
    notices = [
        (case.agency.name, notice.body)
        for case in Case.objects.filter(state=Case.State.ANSWERED).select_related("agency")
        for notice in case.notices.all()
        if "申请行政复议" in notice.body
    ]
    assert {name for name, _ in notices} == {"演示区人民政府办公室", "昆明市官渡区民政局"}
    for name, body in notices:
        assert ("向演示区人民政府申请" if name.startswith("演示") else "向昆明市官渡区人民政府申请") in body
