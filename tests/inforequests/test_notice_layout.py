"""A notice is set as a letter: the salutation ("张某：") flush left, each paragraph after it
indented, on the printable page, the applicant's status page and the PDF alike. The salutation
was indented and the paragraphs after it were not (one <p> with <br>s; the PDF indented every
line)."""

import datetime as dt
import re

import pytest

from inforequests import pdf
from tests.staff import sign_in_staff

from .factories import make_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("saturday_noon")]


def test_the_salutation_stands_flush_and_the_paragraphs_after_it_are_indented(client, admin_user):
    notice = make_case(received_on=dt.date(2026, 11, 2)).notices.get(key="receipt")
    paragraphs = notice.paragraphs
    assert paragraphs[0][1] is True and paragraphs[0][0].endswith("：")
    assert len(paragraphs) > 2 and not any(salutation for _, salutation in paragraphs[1:])

    sign_in_staff(client, admin_user)
    html = client.get(f"/disclosures/apply/staff/notices/{notice.pk}/").content.decode()
    body = html[html.index('<div class="record-body">') :].split("</div>")[0]
    assert re.findall(r"<p( class=\"salutation\")?>", body) == [' class="salutation"'] + [""] * (len(paragraphs) - 1)
    assert "<br>" not in body

    story = pdf.notice_story(notice, set())
    indents = [
        p.style.firstLineIndent for p in story if getattr(p, "style", None) and p.style.name in ("body", "salutation")
    ]
    assert indents == [0] + [24] * (len(paragraphs) - 1)
