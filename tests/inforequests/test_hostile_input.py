"""Junk in everything an applicant's browser sends to the new paths (the preference bounce,
the confirmation token, the replayed forms): never a 500, never another host, nothing private."""

import pytest

from .factories import PHONE, AgencyFactory, make_case

pytestmark = pytest.mark.django_db
JUNK = ["", "\x00", "ｘ" * 5000, "<script>alert(1)</script>", "%FF", "../../etc", "1" * 10000, "😀", "\u202e"]


def test_junk_never_500s_nor_shows_an_applicant(client):
    agency = AgencyFactory().organization
    case, code = make_case(agency=agency, code=True)
    statuses = []
    for junk in JUNK:
        for url, data in [
            ("/preferences/", {"next": junk, "reader_page_form": "1", "elder": junk}),
            (
                "/preferences/",
                {"next": "/disclosures/apply/", "reader_page_form": junk, "font_step": junk, "contrast": junk},
            ),
            ("/disclosures/apply/?reader=1", {"agency": junk, "name": junk, "submission": junk, "step": junk}),
            ("/disclosures/apply/?reader=" + junk, {"agency": agency.pk, "step": "confirm", "submission": junk}),
            ("/disclosures/apply/", {"step": "confirm", "submission": junk}),
            ("/disclosures/apply/status/?reader=1", {"again": junk, "query_code": junk, "tail": junk}),
            ("/disclosures/apply/status/?reader=1", {"again": "1", "query_code": code, "tail": junk}),
            ("/disclosures/apply/status/", {"query_code": code, "tail": junk}),
        ]:
            r = client.post(url, data, HTTP_ORIGIN="http://testserver")
            statuses.append((url, r.status_code))
            assert r.status_code < 500, (url, junk)
            if r.status_code == 307:
                assert "//" not in r["Location"].split("?")[0] and ":" not in r["Location"].split("?")[0], r["Location"]
            body = r.content.decode(errors="replace")
            assert case.name not in body and case.id_number not in body and PHONE not in body
    for url in ["/disclosures/apply/receipt/", "/disclosures/apply/?reader=1", "/disclosures/apply/status/?reader=1"]:
        assert client.get(url).status_code < 500
        assert client.head(url).status_code < 500
    assert {status for _, status in statuses} >= {303, 307, 400}  # the paths were really taken
