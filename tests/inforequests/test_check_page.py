"""The check (核对) step shows the application exactly as it will be sent."""

import re

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


def test_the_check_page_names_the_fields_without_their_optional_mark(client):
    agency = AgencyFactory().organization
    check = client.post(APPLY, form_data(agency, document_number="官府发〔2026〕3号")).content.decode()
    rows = re.findall(r'<th scope="row">([^<]*)</th>', check)
    assert "电子邮箱" in rows and "文号" in rows
    assert not [row for row in rows if "选填" in row]
