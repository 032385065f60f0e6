"""Another district starts the platform from a fresh clone, following only the documentation: it
can serve an empty site without the Guandu seed, and the first-start steps name what it must set
so that no page of its site answers 404 or prints the Guandu District's numbers."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from disclosures.models import Organization, Page

ROOT = Path(__file__).resolve().parent.parent


def planned(*args):
    # `make -n` prints what the target would run without running any of it.
    result = subprocess.run(
        ["make", "-n", "run", *args], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    )
    return result.stdout


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_serves_an_empty_site_with_seed_0():
    assert "load_seed" in planned() and "load_demo_data" in planned()
    empty = planned("SEED=0")
    assert "migrate" in empty and "gunicorn" in empty
    assert "load_seed" not in empty and "load_demo_data" not in empty


def first_start():
    text = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    return text.split("## First start, in order", 1)[1].split("\n## ", 1)[0]


def test_first_start_names_the_case_number_pattern_and_the_district_name():
    """The receipts of a district that followed the steps said 申请编号 GD-YSQ-…, Guandu's prefix."""
    steps = first_start()
    assert "`INFOREQUESTS_CASE_NUMBER_PATTERN`" in steps
    assert "本区名称" in steps


@pytest.mark.django_db
def test_the_pages_first_start_names_are_the_ones_the_menu_opens(client):
    """The menu's 指南, 制度 and 法定主动公开内容 answer 404 on an empty site: the steps say which
    rows make them, and those rows do."""
    slugs = re.findall(r"标识 `([a-z-]+)`.*?`([a-z-]+)`", first_start().replace("\n", " "))
    assert slugs == [("guide", "policy")]
    for url in ("/disclosures/guide/", "/disclosures/policy/", "/disclosures/statutory/"):
        assert client.get(url).status_code == 404, url
    office = Organization.objects.create(name="昆明市西山区人民政府", org_code="015100001", section_code="xsqzf")
    for slug, title in zip(slugs[0], ("政府信息公开指南", "政府信息公开制度"), strict=True):
        Page.objects.create(slug=slug, title=title, body="<p>正文。</p>", office=office)
    assert client.get("/disclosures/guide/").status_code == 200
    assert client.get("/disclosures/policy/").status_code == 200
    assert client.get("/disclosures/statutory/")["Location"] == "/gk/xsqzf/statutory/"
