import datetime as dt
import multiprocessing
import re

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from inforequests import ratelimit, services
from inforequests.models import Case, Outcome
from tests.html import page_title

from .factories import (
    ADDRESS,
    APPLICANT_NAME,
    EMAIL,
    PERSON_ID,
    PHONE,
    AgencyFactory,
    applicant,
    make_case,
    request_data,
)

pytestmark = pytest.mark.django_db
APPLY = "/disclosures/apply/"
STATUS = "/disclosures/apply/status/"


def form_data(org, **overrides):
    return {
        "agency": org.pk,
        "applicant_type": "person",
        "name": APPLICANT_NAME,
        "id_type": "resident_id",
        "id_number": PERSON_ID,
        "phone": PHONE,
        "address": ADDRESS,
        "email": EMAIL,
        "title": "道路养护计划",
        "document_number": "",
        "description": "2026年计划全文",
        "delivery": "electronic",
        "consents_publication": "on",
        **overrides,
    }


@pytest.fixture
def agency():
    return AgencyFactory().organization


def rate_limits(**limits):
    """The 依申请公开 limits with some changed: (uses, seconds) by name (ratelimit.DEFAULTS)."""
    return override_settings(INFOREQUESTS_RATE_LIMITS={**ratelimit.DEFAULTS, **limits})


def confirm(client, data, **extra):
    """The check step, then its confirmation page sent (as the applicant's browser does)."""
    check = client.post(APPLY, data, **extra)
    assert check.status_code == 200, check.content.decode()
    token = re.search(r'name="submission" value="([^"]+)"', check.content.decode()).group(1)
    return client.post(APPLY, {**data, "step": "confirm", "submission": token}, **extra)


def test_urls_are_mounted_before_the_catalogue():
    assert reverse("inforequests:apply") == APPLY


def test_apply_check_confirm_receipt(client, agency):
    page = client.get(APPLY)
    assert page.status_code == 200 and agency.name in page.content.decode()
    check = client.post(APPLY, form_data(agency))
    assert check.status_code == 200 and "请核对您的申请" in check.content.decode()
    assert not Case.objects.exists()  # nothing stored before the applicant confirms
    token = re.search(r'name="submission" value="([^"]+)"', check.content.decode()).group(1)
    done = client.post(APPLY, {**form_data(agency), "step": "confirm", "submission": token})
    assert done.status_code == 302 and done["Location"] == reverse("inforequests:receipt")
    case = Case.objects.get()
    assert case.channel == "online" and case.received_on == timezone.localdate() and case.confirmed_at
    receipt = client.get(done["Location"]).content.decode()
    code = re.search(r'class="query-code">([A-Z0-9-]+)<', receipt).group(1)
    assert case.number in receipt and len(code) == 14
    # Printed, it still says where to look the case up (its link is not printed).
    assert f'<th scope="row">查询办理进度</th><td>http://testserver{STATUS}</td>' in receipt
    assert code not in str(Case.objects.values_list()) and case.query_code_digest != code  # only a digest is stored
    # The applicant looks the case up with the code and a phone tail, without an account.
    found = client.post(STATUS, {"query_code": code.lower().replace("-", ""), "tail": PHONE[-4:]})
    assert found.status_code == 200 and case.number in found.content.decode() and "已登记" in found.content.decode()
    found = client.post(STATUS, {"query_code": code, "tail": PERSON_ID[-4:]})
    assert found.status_code == 200


def test_the_form_opens_with_the_agency_the_link_names(client, agency):
    """An agency's 依申请公开 link (/disclosures/apply/?agency=<id>) preselects it."""
    other = AgencyFactory().organization
    page = client.get(APPLY, {"agency": other.pk}).content.decode()
    assert f'<option value="{other.pk}" selected>' in page
    assert f'<option value="{agency.pk}">' in page and '<option value="" selected>' not in page


@pytest.mark.parametrize("value", ["", "abc", "²", "-1", "9" * 30, "999999"])
def test_an_agency_the_form_does_not_list_is_ignored(client, agency, value):
    response = client.get(APPLY, {"agency": value})
    assert response.status_code == 200
    assert '<option value="" selected>请选择机关</option>' in response.content.decode()


def test_an_agency_that_stopped_taking_applications_is_not_preselected(client, agency):
    agency.request_desk.accepts_requests = False
    agency.request_desk.save()
    assert '<option value="" selected>' in client.get(APPLY, {"agency": agency.pk}).content.decode()


def test_the_seed_district_government_takes_applications_online(client, seed):
    """The 区政府's 依申请公开 link opens the form with it chosen (it was not a 受理机关)."""
    from django.core.management import call_command

    from disclosures.models import Organization
    from inforequests.demo import load_demo_data
    from inforequests.models import Agency

    load_demo_data()
    call_command("load_seed", verbosity=0)  # again, after the demo data: no second desk
    district = Organization.objects.get(name="昆明市官渡区人民政府")
    assert Agency.objects.filter(organization=district).count() == 1
    link = f"{APPLY}?agency={district.pk}"
    assert f'href="{link}">依申请公开' in client.get("/gk/qzf/").content.decode()
    assert f'<option value="{district.pk}" selected>' in client.get(link).content.decode()


@pytest.mark.parametrize("url", [APPLY, STATUS, "/disclosures/apply/statistics/"])
def test_the_public_pages_are_tagged_as_the_column_of_applications(client, url):
    assert '<meta name="ColumnType" content="依法申请公开">' in client.get(url).content.decode()


def test_stored_identifiers_are_encrypted(agency):
    from django.db import connection

    case = make_case(agency=agency)
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, id_number, phone, address, email FROM inforequests_case WHERE id = %s", [case.pk])
        raw = cursor.fetchone()
        cursor.execute("SELECT id_number, phone FROM inforequests_historicalcase")
        history = cursor.fetchall()
    for value, plain in zip(raw, (APPLICANT_NAME, PERSON_ID, PHONE, ADDRESS, EMAIL)):
        assert plain not in value and value.startswith("gAAAA")
    assert all(PERSON_ID not in row[0] and PHONE not in row[1] for row in history)
    assert Case.objects.get(pk=case.pk).id_number == PERSON_ID


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("id_number", "110105194912310021", "校验码不正确"),
        ("id_number", "11010519491331002X", "出生日期不正确"),
        # A well-formed number (its check character right) of someone born in 2099.
        ("id_number", "110105209912310029", "出生日期不正确"),
        ("id_number", "1234", "18位"),
        ("phone", "abc", "7至15位数字"),
        ("email", "not-an-email", "电子邮箱格式不正确"),
        ("agency", "999999", "所选受理机关无效"),
        ("name", "", "请填写姓名或名称"),
        ("document_number", "文" * 101, "文号最多100字（当前101字）"),
        ("description", "2026年计划全文\x07", "含有控制字符"),
        ("name", "张\u202e三", "含有控制字符"),  # a right-to-left override: shown reversed to staff
    ],
)
def test_bad_input_is_shown_beside_the_field_and_nothing_is_lost(client, agency, field, value, message):
    response = client.post(APPLY, form_data(agency, **{field: value}))
    html = response.content.decode()
    assert response.status_code == 400 and message in html
    assert 'class="error-summary"' in html
    assert f'id="id_{field}_error"' in html  # Django's field group puts the message beside the field
    assert "2026年计划全文" in html and ADDRESS in html  # what was typed is still there
    assert not Case.objects.exists()


def test_the_error_summary_links_each_message_to_its_field_in_page_order(client, agency):
    """证件号码 comes before 电子邮箱 on the page, though clean() found the e-mail first; each
    message links to the control to correct (a radio group's first option)."""
    page = client.post(APPLY, form_data(agency, email="bad@", id_number="110105194912310021")).content.decode()
    summary = page.split('class="error-summary"')[1].split("</div>")[0]
    links = re.findall(r'<li><a href="#(\w+)">', summary)
    assert links == ["id_id_number", "id_email"]
    page = client.post(APPLY, {}).content.decode()
    summary = page.split('class="error-summary"')[1].split("</div>")[0]
    links = re.findall(r'<li><a href="#(\w+)">', summary)
    assert links[:2] == ["id_agency", "id_applicant_type_0"] and len(links) == summary.count("<li>")
    for anchor in links:
        assert f'id="{anchor}"' in page


def test_an_invalid_email_is_one_message_even_when_mail_is_the_way_to_answer(client, agency):
    html = client.post(APPLY, form_data(agency, email="not-an-email", delivery="email")).content.decode()
    assert "电子邮箱格式不正确" in html and "请填写电子邮箱" not in html


def test_organisation_needs_a_valid_credit_code(client, agency):
    response = client.post(APPLY, form_data(agency, applicant_type="commercial", id_type="resident_id"))
    assert response.status_code == 400 and "法人或其他组织请选择统一社会信用代码" in response.content.decode()
    response = client.post(
        APPLY, form_data(agency, applicant_type="commercial", id_type="credit_code", id_number="91350100M000100Y44")
    )
    assert "统一社会信用代码校验码不正确" in response.content.decode()
    response = client.post(
        APPLY, form_data(agency, applicant_type="commercial", id_type="credit_code", id_number="91350100M000100Y43")
    )
    assert response.status_code == 200


def test_garbage_posts_never_500(client, agency):
    for data in (
        {},
        {"step": "confirm"},
        {"agency": "x", "applicant_type": "<script>", "step": "edit"},
        {"id_number": "１１" * 50},
    ):
        assert client.post(APPLY, data).status_code in (200, 400)
    assert client.post(STATUS, {"query_code": "\x00" * 30, "tail": "ab"}).status_code == 400
    assert client.get("/disclosures/apply/statistics/999999/").status_code == 404
    assert client.get("/disclosures/apply/published/NOPE/").status_code == 404
    assert client.head(APPLY).status_code == client.head(STATUS).status_code == 200  # link checkers, monitors


def test_a_confirmation_sent_twice_registers_one_case_and_shows_its_receipt(client, agency):
    """A double click, or Back and 确认提交 again: the second answer is the first case's receipt."""
    check = client.post(APPLY, form_data(agency)).content.decode()
    token = re.search(r'name="submission" value="([^"]+)"', check).group(1)
    data = {**form_data(agency), "step": "confirm", "submission": token}
    first, second = client.post(APPLY, data), client.post(APPLY, data)
    assert first.status_code == second.status_code == 302
    case = Case.objects.get()
    code = re.search(r'class="query-code">([A-Z0-9-]+)<', client.get(second["Location"]).content.decode()).group(1)
    assert client.post(STATUS, {"query_code": code, "tail": PHONE[-4:]}).status_code == 200
    # Past the receipt's half hour (a shared computer), Back and send again: no code, no case.
    session = client.session
    session["inforequests_receipt"]["until"] -= 31 * 60
    session.save()
    later = client.post(APPLY, data)
    assert later.status_code == 409 and "已经提交" in later.content.decode() and code not in later.content.decode()
    assert code not in str(client.session.items())  # the plain code is gone from the session too
    # Another confirmation page (a second application) is another case.
    assert confirm(client, form_data(agency, title="另一项信息")).status_code == 302
    assert Case.objects.count() == 2 and Case.objects.exclude(pk=case.pk).get().title == "另一项信息"


def test_two_registrations_with_one_query_code_meet_its_unique_index(agency):
    """What two confirmations sent at the same moment do: the second fails in the database,
    and the view answers with the first one's receipt."""
    from django.db import IntegrityError

    code = services.new_query_code()
    services.case_register(**_registration(agency), query_code=code)
    with pytest.raises(IntegrityError):
        services.case_register(**_registration(agency), query_code=code)
    assert Case.objects.count() == 1


def _registration(agency):
    return {
        "agency": agency,
        "channel": Case.Channel.ONLINE,
        "received_on": timezone.localdate(),
        "applicant": applicant(),
        "request": request_data(),
    }


def test_a_confirmation_this_browser_was_not_shown_is_asked_again_with_nothing_lost(client, agency):
    response = client.post(APPLY, {**form_data(agency), "step": "confirm", "submission": "forged"})
    html = response.content.decode()
    assert response.status_code == 409 and "确认页面已过期" in html and "请核对您的申请" in html
    assert ADDRESS in html and 'name="submission"' in html
    assert not Case.objects.exists()


def test_the_receipt_opens_again_only_for_a_while(client, agency):
    done = confirm(client, form_data(agency))
    assert "查询码" in client.get(done["Location"]).content.decode()
    assert "查询码" in client.get(done["Location"]).content.decode()  # a reload, a failed print
    session = client.session
    session["inforequests_receipt"]["until"] -= 31 * 60
    session.save()
    later = client.get(done["Location"])
    assert later.status_code == 302 and later["Location"] == STATUS


def test_full_width_input_is_folded_and_a_case_is_found_with_it(client, agency):
    """Chinese input methods type full-width digits and letters (１３９… ＡＢＣＤ)."""
    done = confirm(client, form_data(agency, phone="１３９０１２３４５６７"))
    case = Case.objects.get()
    assert case.phone == "13901234567"
    code = re.search(r'class="query-code">([A-Z0-9-]+)<', client.get(done["Location"]).content.decode()).group(1)
    wide = code.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"})
    assert client.post(STATUS, {"query_code": wide, "tail": "４５６７"}).status_code == 200


def test_a_tail_of_other_characters_is_a_clear_error_and_an_old_full_width_phone_is_found(client, agency):
    case, code = make_case(agency=agency, code=True)
    Case.objects.filter(pk=case.pk).update(phone="１３９０１２３４５６７")  # kept so before the form folded it
    for tail in ("一二三四", "١٢٣٤"):
        response = client.post(STATUS, {"query_code": code, "tail": tail})
        assert response.status_code == 400 and "请填写4位数字" in response.content.decode()
    assert client.post(STATUS, {"query_code": code, "tail": "4567"}).status_code == 200
    assert client.post(STATUS, {"query_code": code, "tail": "４５６７"}).status_code == 200


def test_a_preference_changed_without_javascript_brings_the_form_back_as_typed(client, agency):
    """The 长者模式 button sends the application form to /preferences/, which sends it back (307)
    to the page, shown again as typed: not checked, not sent."""
    typed = {**form_data(agency, phone=""), "next": APPLY, "reader_page_form": "1", "elder": "1"}
    back = client.post("/preferences/", typed, HTTP_ORIGIN="http://testserver")
    assert back.status_code == 307 and back["Location"] == f"{APPLY}?reader=1"
    assert "elder=1" in back.cookies["reader"].value
    page = client.post(back["Location"], typed)
    html = page.content.decode()
    assert page.status_code == 200 and ADDRESS in html and "2026年计划全文" in html
    assert 'class="error-summary"' not in html and not Case.objects.exists()
    assert 'form="apply-form" formaction="/preferences/"' in html  # the buttons carry the form again
    # The header is kept once per generation: a page without such a form, rendered after one
    # with it, still has the header's own buttons (and the lookup page its form's).
    assert 'form="lookup-form"' in client.get(STATUS).content.decode()
    statistics = client.get("/disclosures/apply/statistics/").content.decode()
    assert 'formaction="/preferences/"' not in statistics and 'name="elder"' in statistics
    assert 'form="lookup-form"' in client.get(STATUS).content.decode()
    # A status result lends the buttons its unseen form: the lookup runs again, the page comes back.
    case, code = make_case(agency=agency, code=True)
    result = client.post(STATUS, {"query_code": code, "tail": PHONE[-4:]}).content.decode()
    assert case.number in result and 'form="lookup-again"' in result
    kept = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', result.split('id="lookup-again"')[1]))
    back = client.post("/preferences/", {**kept, "elder": "1"}, HTTP_ORIGIN="http://testserver")
    assert back.status_code == 307 and back["Location"] == f"{STATUS}?reader=1"
    assert case.number in client.post(back["Location"], {**kept, "elder": "1"}).content.decode()
    # Another site's form gets no such bounce.
    assert client.post("/preferences/", typed, HTTP_ORIGIN="https://evil.example").status_code == 303


def test_honeypot(client, agency):
    response = client.post(APPLY, {**form_data(agency), "website": "http://spam", "step": "confirm"})
    assert response.status_code == 400 and "提交未成功" in response.content.decode()
    assert not Case.objects.exists()


@rate_limits(apply_address=(2, 3600), lookup_address=(100, 600))
def test_submissions_are_rate_limited_per_address(client, agency):
    for number in range(2):  # different applications (the same one sent again is its first case)
        assert confirm(client, form_data(agency, title=f"信息{number}")).status_code == 302
    response = confirm(client, form_data(agency))
    assert response.status_code == 429 and "已达到提交次数上限" in response.content.decode()
    assert ADDRESS in response.content.decode()  # nothing typed is lost
    assert Case.objects.count() == 2


@rate_limits(apply_address=(100, 3600), apply_applicant=(1, 86400), lookup_address=(100, 600))
def test_submissions_are_rate_limited_per_applicant(client, agency):
    assert confirm(client, form_data(agency)).status_code == 302
    assert confirm(client, form_data(agency, title="另一项信息"), REMOTE_ADDR="10.0.0.9").status_code == 429


def _uses_in_another_worker(path, name, ident, n):
    with override_settings(RATE_LIMIT_FILE=path):
        for _ in range(n):
            ratelimit.hit(name, ident)


@rate_limits(apply_address=(2, 3600), apply_applicant=(100, 86400), lookup_address=(100, 600))
def test_an_address_limit_counts_the_uses_other_workers_saw(client, agency, tmp_path):
    """Without Redis, each worker had its own count: the limit was one per worker."""
    path = str(tmp_path / "ratelimits.sqlite3")
    worker = multiprocessing.get_context("fork").Process(
        target=_uses_in_another_worker, args=(path, "apply_address", "127.0.0.1", 2)
    )
    worker.start()
    worker.join(timeout=30)
    assert worker.exitcode == 0
    with override_settings(RATE_LIMIT_FILE=path):  # inside the decorator's: undone before it
        response = confirm(client, form_data(agency))
    assert response.status_code == 429 and Case.objects.count() == 0


@rate_limits(lookup_address=(3, 600))
def test_an_ipv6_reader_cannot_dodge_the_lookup_limit_by_changing_address_in_its_network(client, agency):
    for n in range(3):
        client.post(
            STATUS, {"query_code": f"AAAA-BBBB-CCC{n + 2}", "tail": "1234"}, REMOTE_ADDR=f"2001:db8:1:2::{n + 1}"
        )
    refused = client.post(STATUS, {"query_code": "AAAA-BBBB-CCCZ", "tail": "1234"}, REMOTE_ADDR="2001:db8:1:2:ffff::9")
    assert refused.status_code == 429
    other = client.post(STATUS, {"query_code": "AAAA-BBBB-CCCZ", "tail": "1234"}, REMOTE_ADDR="2001:db8:1:3::1")
    assert other.status_code == 404  # another subscriber's network


def test_wrong_code_and_wrong_tail_get_the_same_answer(client, agency):
    case, code = make_case(agency=agency, code=True)
    wrong_tail = client.post(STATUS, {"query_code": code, "tail": "0000"})
    wrong_code = client.post(STATUS, {"query_code": "ZZZZ-ZZZZ-ZZZZ", "tail": PHONE[-4:]})
    assert wrong_tail.status_code == wrong_code.status_code == 404

    def main(response):
        return re.sub(r'value="[^"]*"', "", response.content.decode().split("<main")[1].split("</main>")[0])

    assert main(wrong_tail) == main(wrong_code)
    assert case.number not in wrong_tail.content.decode()


@rate_limits(lookup_address=(100, 600), lookup_code=(3, 3600))
def test_guessing_tails_for_a_code_is_limited_whether_or_not_it_exists(client, agency):
    case, code = make_case(agency=agency, code=True)
    for guess in ("0001", "0002", "0003"):
        assert client.post(STATUS, {"query_code": code, "tail": guess}).status_code == 404
        assert client.post(STATUS, {"query_code": "ZZZZ-ZZZZ-ZZZZ", "tail": guess}).status_code == 404
    # Now even the right tail waits: the same 429 as for a code that does not exist.
    real = client.post(STATUS, {"query_code": code, "tail": PHONE[-4:]})
    fake = client.post(STATUS, {"query_code": "ZZZZ-ZZZZ-ZZZZ", "tail": PHONE[-4:]})
    assert real.status_code == fake.status_code == 429 and "查询次数过多" in real.content.decode()


@rate_limits(lookup_address=(3, 600))
def test_lookups_are_limited_per_address(client, agency):
    for n in range(3):
        client.post(STATUS, {"query_code": f"AAAA-BBBB-CCC{n + 2}", "tail": "1234"})
    assert client.post(STATUS, {"query_code": "AAAA-BBBB-CCCZ", "tail": "1234"}).status_code == 429


def test_public_statistics_and_published_reply_show_no_applicant(client, agency):
    answered = make_case(agency=agency, received_on=dt.date(2026, 9, 18))
    services.case_reply(
        case=answered,
        outcome=Outcome.GRANTED,
        replied_on=dt.date(2026, 10, 9),
        reply_text=f"{APPLICANT_NAME}：予以公开。",
    )
    with pytest.raises(ValidationError):
        services.case_publish(
            case=answered, request_text="申请道路养护计划", reply_text=f"{APPLICANT_NAME}：予以公开。"
        )
    services.case_publish(case=answered, request_text="申请道路养护计划", reply_text="申请人：予以公开。")
    make_case(agency=agency, received_on=dt.date(2026, 9, 30))
    stats = client.get(f"/disclosures/apply/statistics/{agency.pk}/").content.decode()
    assert "按期答复率" in stats and "100.0%" in stats and "10个工作日" in stats
    published = client.get(f"/disclosures/apply/published/{answered.number}/").content.decode()
    assert "本件已作隐私处理" in published and "申请人：予以公开。" in published
    not_consented = make_case(agency=agency)
    services.case_reply(case=not_consented, outcome=Outcome.GRANTED, replied_on=dt.date(2026, 10, 9), reply_text="x")
    Case.objects.filter(pk=not_consented.pk).update(consents_publication=False)
    with pytest.raises(ValidationError):
        services.case_publish(case=Case.objects.get(pk=not_consented.pk), request_text="a", reply_text="b")


def test_no_public_surface_shows_the_applicant(client, agency, seed):
    """Name, ID, phone, address, email: not on the app's public pages, the sitemap, feeds,
    search, API or CSV (the admin and the staff pages are the only places they appear)."""
    case = make_case(agency=agency, received_on=dt.date(2026, 9, 18))
    services.case_reply(case=case, outcome=Outcome.GRANTED, replied_on=dt.date(2026, 10, 9), reply_text="予以公开。")
    services.case_publish(case=case, request_text="申请道路养护计划", reply_text="予以公开。")
    urls = [
        APPLY,
        STATUS,
        "/disclosures/apply/statistics/",
        f"/disclosures/apply/statistics/{agency.pk}/",
        f"/disclosures/apply/published/{case.number}/",
        "/",
        "/sitemap/",
        "/sitemap.xml",
        "/robots.txt",
        "/feeds/records.xml",
        "/feeds/records.atom",
        "/feeds/replies.xml",
        "/api/v1/openapi.json",
        "/search/?q=道路养护计划",
        "/search/export/records.csv",
        "/disclosures/",
    ]
    index = client.get("/sitemap.xml").content.decode()
    urls += [re.sub(r"^https?://[^/]+", "", loc) for loc in re.findall(r"<loc>([^<]+)</loc>", index)]
    for op in ("records", "organizations", "topics"):
        urls.append(f"/api/v1/{op}")
    for url in urls:
        response = client.get(url)
        body = (
            response.content.decode(errors="replace")
            if hasattr(response, "content")
            else "".join(part.decode() for part in response.streaming_content)
        )
        for secret in (APPLICANT_NAME, PERSON_ID, PHONE, ADDRESS, EMAIL, PERSON_ID[-6:], PHONE[-8:]):
            assert secret not in body, f"{secret} on {url}"
    # Searching for the applicant finds nothing of the case (the page only echoes the query).
    for query in (APPLICANT_NAME, PERSON_ID, PHONE):
        assert case.number not in client.get("/search/", {"q": query}).content.decode()


def test_status_page_shows_how_the_deadline_was_computed_and_documents_download(client, agency):
    from django.core.files.base import ContentFile

    from inforequests.models import ReplyDocument

    case, code = make_case(agency=agency, received_on=dt.date(2026, 9, 18), code=True)
    html = client.post(STATUS, {"query_code": code, "tail": PHONE[-4:]}).content.decode()
    assert "2026年10月22日" in html and "调休上班" in html and "法定节假日（国庆节）" in html and "第20个工作日" in html
    assert APPLICANT_NAME not in html and "张*****" in html  # the receipt notice, name masked
    services.case_reply(case=case, outcome=Outcome.GRANTED, replied_on=dt.date(2026, 10, 9), reply_text="见附件")
    document = ReplyDocument(case=case, title="道路养护计划.pdf")
    document.file.save("plan.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
    html = client.post(STATUS, {"query_code": code, "tail": PHONE[-4:]}).content.decode()
    link = re.search(r'href="(/disclosures/apply/documents/[^"]+/)"', html).group(1)
    download = client.get(link)
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 test"
    assert client.get("/disclosures/apply/documents/forged-token/").status_code == 404


def test_applicant_gets_mail_for_receipt_and_reply(agency, django_capture_on_commit_callbacks):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        case = make_case(agency=agency, received_on=dt.date(2026, 9, 18))
    with django_capture_on_commit_callbacks(execute=True):
        services.case_reply(
            case=case, outcome=Outcome.UNABLE_NOT_HELD, replied_on=dt.date(2026, 10, 9), reply_text="经检索不掌握"
        )
    subjects = [m.subject for m in mail.outbox if m.to == [EMAIL]]
    assert subjects == [
        f"政府信息公开申请受理回执（{case.number}）",
        f"政府信息公开申请答复告知书（无法提供）（{case.number}）",
    ]
    assert "行政复议" in mail.outbox[-1].body


@override_settings(
    TRUSTED_PROXY_COUNT=1,
    INFOREQUESTS_RATE_LIMITS={
        "apply_address": (10, 3600),
        "apply_applicant": (10, 86400),
        "lookup_address": (3, 600),
        "lookup_code": (5, 3600),
    },
)
def test_behind_the_proxy_one_readers_lookups_do_not_lock_out_another(client, agency):
    """Behind nginx every request comes from nginx's address: the limit is per reader (the
    address nginx puts in X-Forwarded-For), or one person's tries would lock every citizen out."""
    case, code = make_case(agency=agency, code=True)
    for n in range(3):
        client.post(STATUS, {"query_code": f"AAAA-BBBB-CCC{n + 2}", "tail": "1234"}, HTTP_X_FORWARDED_FOR="203.0.113.5")
    blocked = client.post(STATUS, {"query_code": code, "tail": PHONE[-4:]}, HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert blocked.status_code == 429
    other = client.post(STATUS, {"query_code": code, "tail": PHONE[-4:]}, HTTP_X_FORWARDED_FOR="198.51.100.77")
    assert other.status_code == 200


def test_agency_statistics_say_in_words_when_no_request_is_answered_yet(client, agency):
    """A dash reads as nothing (or "破折号") in a screen reader: the figures that cannot be worked
    out yet say why."""
    make_case(agency=agency, received_on=dt.date(2026, 9, 30))
    stats = client.get(f"/disclosures/apply/statistics/{agency.pk}/").content.decode()
    assert "<td>—</td>" not in stats
    assert '<th scope="row">答复用时中位数</th><td>暂无已答复的申请</td>' in stats
    assert '<th scope="row">按期答复率</th><td>暂无已答复的申请</td>' in stats


def test_agency_statistics_month_table_scrolls_in_a_named_focusable_region(client, agency):
    make_case(agency=agency, received_on=dt.date(2026, 9, 30))
    stats = client.get(f"/disclosures/apply/statistics/{agency.pk}/").content.decode()
    assert (
        '<div class="table-scroll" role="region" aria-label="按月收到的申请（近12个月）（表格，可横向滚动）" tabindex="0">'
        '<table class="data-table"><caption>按月收到的申请（近12个月）</caption>'
    ) in stats


def test_a_form_sent_back_with_errors_says_so_first_in_its_title(client, agency):
    """With JavaScript off nothing moves the focus to the error summary: the title, which a
    screen reader says first, says that something needs correcting."""
    assert page_title(client.get(APPLY)).startswith("在线申请 - ")
    assert page_title(client.post(APPLY, {})).startswith("填写有误，请修改 - 在线申请 - 依申请公开 - ")
    expired = client.post(APPLY, {**form_data(agency), "step": "confirm", "submission": "gone"})
    assert expired.status_code == 409 and page_title(expired).startswith("填写有误，请修改 - 核对申请 - ")
    assert page_title(client.get(STATUS)).startswith("办理进度查询 - ")
    assert page_title(client.post(STATUS, {"query_code": ""})).startswith("填写有误，请修改 - 办理进度查询 - ")


@rate_limits(lookup_address=(1, 600))
def test_nothing_found_and_too_many_tries_are_said_by_the_shared_error_summary(client, agency):
    """The same summary as a form's errors (focused, an alert, a heading), its heading said first
    in the title."""
    not_found = client.post(STATUS, {"query_code": "ZZZZ-ZZZZ-ZZZZ", "tail": "0000"})
    limited = client.post(STATUS, {"query_code": "ZZZZ-ZZZZ-ZZZZ", "tail": "0000"})
    for response, status, heading in ((not_found, 404, "未查到相符的申请"), (limited, 429, "查询次数过多")):
        summary = render_to_string("components/form_errors.html", {"problem": response.context["problem"]})
        assert response.status_code == status and summary in response.content.decode()
        assert f"<h2>{heading}</h2>" in summary and page_title(response).startswith(f"{heading} - 办理进度查询 - ")


@rate_limits(lookup_address=(2, 600), lookup_code=(100, 3600))
def test_too_many_lookups_from_an_address_say_how_long_to_wait(client, agency):
    for n in range(2):
        client.post(STATUS, {"query_code": f"AAAA-BBBB-CCC{n + 2}", "tail": "1234"})
    refused = client.post(STATUS, {"query_code": "AAAA-BBBB-CCCZ", "tail": "1234"})
    assert refused.status_code == 429 and "请10分钟后再试" in refused.content.decode()


@rate_limits(lookup_address=(100, 600), lookup_code=(2, 3600))
def test_a_code_tried_too_often_says_how_long_to_wait_whether_or_not_it_exists(client, agency):
    _, code = make_case(agency=agency, code=True)
    for guess in ("0001", "0002"):
        client.post(STATUS, {"query_code": code, "tail": guess})
        client.post(STATUS, {"query_code": "ZZZZ-ZZZZ-ZZZZ", "tail": guess})
    real = client.post(STATUS, {"query_code": code, "tail": PHONE[-4:]})
    fake = client.post(STATUS, {"query_code": "ZZZZ-ZZZZ-ZZZZ", "tail": PHONE[-4:]})
    assert real.status_code == fake.status_code == 429
    assert real.context["problem"] == fake.context["problem"] and "请1小时后再试" in real.content.decode()


def test_a_description_within_its_limit_is_taken_however_its_lines_were_sent(client, agency):
    """A browser sends each line break of a text area as two characters (CR LF): a description
    of 2,990 characters in 21 lines came back as 3,010 characters, over the limit of 3,000."""
    description = "\r\n".join(["申" * 140 + "。"] * 20 + ["请" * 150])
    assert len(description.replace("\r\n", "\n")) == 2990 and len(description) == 3010
    check = client.post(APPLY, form_data(agency, description=description))
    assert check.status_code == 200, check.content.decode()
    confirm(client, form_data(agency, description=description))
    assert Case.objects.get().description.splitlines() == description.splitlines()
    refused = client.post(APPLY, form_data(agency, description=description + "多" * 11)).content.decode()
    assert "所需信息的特征描述最多3000字（当前3001字）。" in refused
