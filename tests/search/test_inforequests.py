"""依申请公开 answers published after consent and redaction are found by search, by a word of
what was asked or by their 申请编号, as their public page shows them; a case that is not public
is found nowhere, and its number answers as a number never issued does."""

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from inforequests import services
from inforequests.models import Case
from search.crossref import link_references
from search.models import SearchDocument
from search.selectors import number_redirect_url
from tests.inforequests.conftest import SATURDAY_NOON
from tests.inforequests.factories import ADDRESS, APPLICANT_NAME, PERSON_ID, PHONE, AgencyFactory
from tests.inforequests.test_reanswer import answered

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _saturday_noon():
    with time_machine.travel(SATURDAY_NOON, tick=False):
        yield


def publish(case, request_text="申请公开本区历史档案开放目录", reply_text="予以公开：见所附目录。"):
    services.case_publish(case=case, request_text=request_text, reply_text=reply_text)
    return Case.objects.get(pk=case.pk)


def page_of(case):
    return reverse("inforequests:published", args=[case.number])


def found(q):
    response = Client().get(reverse("search:results"), {"q": q})
    return response, response.content.decode()


def test_a_published_answer_is_found_by_a_word_asked_and_by_its_number():
    agency = AgencyFactory(organization__name="测试区档案馆").organization
    case = publish(answered(agency)[0])
    response, page = found("历史档案")
    assert response.status_code == 200 and page_of(case) in page
    assert "依申请公开答复" in page  # its type, as the facet and the result say
    for typed in (case.number, f" {case.number.lower()} "):
        response = Client().get(reverse("search:results"), {"q": typed})
        assert response.status_code == 302 and response["Location"] == page_of(case), typed
    document = SearchDocument.objects.get(source="inforequest", object_id=case.pk)
    assert document.publisher_id == agency.pk
    stored = " ".join(str(v) for v in SearchDocument.objects.filter(pk=document.pk).values().get().values())
    for particular in (APPLICANT_NAME, PERSON_ID, PHONE, ADDRESS):
        assert particular not in stored


def test_an_answer_not_public_is_found_nowhere_and_its_number_is_any_number():
    agency = AgencyFactory().organization
    kept, refused = answered(agency)[0], answered(agency)[0]
    Case.objects.filter(pk=refused.pk).update(consents_publication=False)
    never = "GD-YSQ-2026-99999"
    # Not published yet: searched for as text, with the answer a number never issued gets.
    assert number_redirect_url(kept.number) is None
    assert found(kept.number)[0].status_code == found(never)[0].status_code == 200
    assert not SearchDocument.objects.filter(source="inforequest").exists()

    case = publish(kept)
    assert number_redirect_url(case.number) == page_of(case)
    case.consents_publication = False
    case.save()  # the applicant withdrew consent: staff untick it in the admin
    assert not SearchDocument.objects.filter(source="inforequest").exists()
    assert number_redirect_url(case.number) is None
    assert page_of(case) not in found("历史档案")[1]


def test_a_new_answer_published_is_found_and_the_words_of_the_first_still_lead_to_the_page():
    from tests.inforequests.test_reanswer import reanswer, reopen

    case = publish(answered()[0])
    case = reopen(case)
    reanswer(case)
    case = Case.objects.get(pk=case.pk)
    services.reanswer_publish(case=case, reply_text="重新答复：另行提供馆藏缩微胶片的复制件。")
    assert page_of(case) in found("缩微胶片")[1]
    assert page_of(case) in found("历史档案")[1]


def test_a_record_that_names_a_published_answer_links_to_it():
    case = publish(answered()[0])
    html = link_references(f"<p>参照{case.number}号答复办理。另见GD-YSQ-2026-99999。</p>")
    assert f'<a class="xref" href="{page_of(case)}">{case.number}</a>' in html
    assert "GD-YSQ-2026-99999</a>" not in html


def test_indexing_reads_only_what_the_public_page_shows():
    """Not the new answer as sent to the applicant, the order's reason or the clock's inputs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from search.adapters.inforequests import indexable_cases
    from tests.inforequests.test_reanswer import reanswer, reopen

    case = reopen(publish(answered()[0]))
    reanswer(case)
    with CaptureQueriesContext(connection) as queries:
        list(indexable_cases())
    read = " ".join(q["sql"] for q in queries)
    for column in ("name", "id_number", "phone", "address", "email", "reply_text", "due_inputs"):
        assert f'"inforequests_case"."{column}"' not in read, column
    for column in ("reply_text", "reason", "due_inputs"):
        assert f'"inforequests_reanswer"."{column}"' not in read, column
    assert '"inforequests_reanswer"."public_text"' in read
