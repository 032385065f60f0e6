"""The check (核对) step shows the application exactly as it will be sent."""

import pytest

from inforequests.models import Case

from .factories import AgencyFactory
from .test_public import APPLY, confirm, form_data

pytestmark = pytest.mark.django_db


def test_the_check_page_shows_the_lines_as_typed_and_sends_them_so(client):
    agency = AgencyFactory().organization
    typed = "发布机关：区交通局\r\n时间：2026年\r\n\r\n内容：养护计划全文"
    check = client.post(APPLY, form_data(agency, description=typed)).content.decode()
    assert "发布机关：区交通局<br>时间：2026年<br><br>内容：养护计划全文" in check
    confirm(client, form_data(agency, description=typed))
    assert Case.objects.get().description.splitlines() == typed.splitlines()
