"""Old addresses answer with a 301 to the imported record once it is public, query strings
included; the table is consulted on a 404 only, and staff can add and change its rows."""

import pytest

from disclosures.models import DisclosureRecord
from disclosures.services import record_publish
from imports import services
from imports.models import Flag, ImportBatch, LegacyRedirect
from tests.staff import sign_in_staff

from .conftest import fixture_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(vocab, importer):
    batch = services.batch_create(
        user=importer, name="records.csv", data=fixture_bytes("records_gb18030.csv"), source_system="官渡区旧站"
    )
    services.batch_execute(batch=batch, dry_run=True)
    return services.batch_execute(batch=ImportBatch.objects.get(pk=batch.pk), dry_run=False)


def publish(index_number, user):
    record = DisclosureRecord.objects.get(index_number=index_number)
    for flag in Flag.objects.open().filter(imported__record=record):
        services.flag_resolve(flag=flag, user=user, action="accept")
    return record_publish(record=record, user=user).record


def test_an_old_address_with_a_query_string_moves_to_the_record_once_public(client, imported, importer):
    old = "/xxgk/detail.jsp?id=102&cid=5"
    assert client.get(old).status_code == 404  # a draft: the old address reveals nothing yet
    record = publish("015117762-202106-000102", importer)
    response = client.get(old)
    assert response.status_code == 301 and response["Location"] == record.get_absolute_url()
    assert client.get("/xxgk/detail.jsp?cid=5&id=102").status_code == 301  # parameters in any order
    assert client.get("/xxgk/detail.jsp?id=103&cid=5").status_code == 404  # that row was refused
    assert client.get("/xxgk/detail.jsp?id=102").status_code == 404
    assert client.head(old).status_code == 301
    assert client.post(old).status_code != 301


def test_an_address_without_query_matches_with_a_tracking_parameter(client, imported, importer):
    record = publish("015117762-202003-000101", importer)
    response = client.get("/zfxxgk/fdzdgknr/202003/t20200305_101.html?from=weibo")
    assert response.status_code == 301 and response["Location"] == record.get_absolute_url()


def test_rollback_takes_the_redirects_away(client, imported, importer):
    assert LegacyRedirect.objects.filter(batch=imported).count() == 3
    services.batch_rollback(batch=imported, user=importer)
    assert not LegacyRedirect.objects.exists()


def test_staff_add_a_redirect_and_it_never_shadows_a_page(client, vocab, importer):
    sign_in_staff(client, importer)
    response = client.post(
        "/admin/imports/legacyredirect/add/",
        {"old_path": "http://www.kmgd.gov.cn/zwgk/index.jsp?channel=12", "target_url": "/disclosures/"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert LegacyRedirect.objects.get().old_path == "/zwgk/index.jsp?channel=12"
    client.post("/admin/imports/legacyredirect/add/", {"old_path": "/search/", "target_url": "/disclosures/"})
    client.logout()
    assert client.get("/zwgk/index.jsp?channel=12")["Location"] == "/disclosures/"
    assert client.get("/search/").status_code == 200


@pytest.mark.parametrize(
    "data, message",
    [
        ({"old_path": "/a.html", "target_url": "https://elsewhere.example/"}, "本站地址"),
        ({"old_path": "/a.html", "target_url": "//elsewhere.example/"}, "本站地址"),
        ({"old_path": "/a.html", "target_url": ""}, "二者填一项"),
        ({"old_path": "ftp://www.kmgd.gov.cn/a.doc", "target_url": "/"}, "http 或 https"),
    ],
)
def test_a_redirect_staff_enter_is_checked(client, vocab, importer, data, message):
    sign_in_staff(client, importer)
    response = client.post("/admin/imports/legacyredirect/add/", data)
    assert response.status_code == 200
    assert message in str(response.context["adminform"].form.errors)
    assert not LegacyRedirect.objects.exists()


def test_the_table_is_read_on_a_404_only(client, vocab):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as found:
        assert client.get("/disclosures/").status_code == 200
    assert not [q for q in found.captured_queries if "imports_legacyredirect" in q["sql"]]
    with CaptureQueriesContext(connection) as missing:
        assert client.get("/no/such/page.html?id=1").status_code == 404
    assert len([q for q in missing.captured_queries if "imports_legacyredirect" in q["sql"]]) == 1
