"""依申请公开 and 不予公开 entries list their particulars in the catalogue, never their text or
files (a tester, session 20: a 不予公开 record published its full body on its page, in the API,
search and the feeds, and its reason nowhere)."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from disclosures.models import Attachment, DisclosureRecord
from tests.disclosures.factories import PublishedRecordFactory

pytestmark = pytest.mark.django_db
WITHHELD = DisclosureRecord.DisclosureMode.WITHHELD
ON_REQUEST = DisclosureRecord.DisclosureMode.ON_REQUEST


@pytest.mark.parametrize("mode", [WITHHELD, ON_REQUEST])
def test_an_entry_not_published_proactively_refuses_a_body_and_files(mode):
    record = PublishedRecordFactory(body="<p>机密正文内容</p>")
    record.disclosure_mode, record.withheld_reason = mode, "涉及国家秘密"
    with pytest.raises(ValidationError) as error:
        record.full_clean()
    assert "只在目录中列出" in error.value.message_dict["body"][0]
    record.body = ""
    record.full_clean()
    attachment = Attachment(record=record, title="附件")
    attachment.file.save("a.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
    with pytest.raises(ValidationError, match="不在网站公开附件"):
        attachment.full_clean()


def test_an_older_withheld_entry_shows_its_particulars_and_reason_but_no_text(client):
    record = PublishedRecordFactory(title="某项不予公开的信息", body="<p>机密正文内容</p>")
    attachment = Attachment(record=record, title="机密附件")
    attachment.file.save("a.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)
    # Saved before the rule (no full_clean on update): the outputs still give no text.
    DisclosureRecord.objects.filter(pk=record.pk).update(disclosure_mode=WITHHELD, withheld_reason="涉及国家秘密")
    from search.services import index_rebuild

    index_rebuild()
    page = client.get(record.get_absolute_url()).content.decode()
    assert "某项不予公开的信息" in page and "不予公开（理由：涉及国家秘密）" in page
    assert "机密正文内容" not in page
    api = client.get(f"/api/v1/records/{record.index_number}").json()
    assert api["body_html"] == "" and api["disclosure_mode"] == "withheld" and api["withheld_reason"] == "涉及国家秘密"
    assert "机密正文内容" not in client.get("/feeds/records.xml").content.decode()
    assert api["attachments"] == [] and client.get(attachment.get_absolute_url()).status_code == 404
    assert record.title not in client.get("/search/", {"q": "机密正文内容"}).content.decode()


def test_an_on_request_entry_says_how_to_ask_for_it(client):
    """The publisher's own application form, or (it takes none online) the one where the
    applicant picks the agency: never a link to nowhere."""
    record = PublishedRecordFactory(title="依申请公开的信息", body="")
    DisclosureRecord.objects.filter(pk=record.pk).update(disclosure_mode=ON_REQUEST)
    page = client.get(record.get_absolute_url()).content.decode()
    assert "依申请公开" in page and "提出政府信息公开申请" in page and 'href="None"' not in page
    link = re.search(r'<a href="([^"]+)">提出政府信息公开申请', page).group(1)
    assert client.get(link).status_code == 200
