"""The Django admin for staff on keyboard or screen reader: language, skip link, and axe on the
pages staff use most (templates/admin/base_site.html adds static/css/admin.css)."""

import json

from axe_playwright_python.sync_playwright import AxeResults
from django.core.files.base import ContentFile
from django_otp.plugins.otp_totp.models import TOTPDevice

from disclosures.models import Attachment

from ..staff import current_code
from .conftest import STAFF_PASSWORD, STAFF_USER, wait_until
from .test_axe import AXE_SCRIPT, WCAG_TAGS

PAGES = [
    "/admin/",
    "/admin/disclosures/disclosurerecord/",
    # The changelist searched (a word, so the search note and result count show) and filtered.
    "/admin/disclosures/disclosurerecord/?q=%E7%A4%BE%E5%8C%BA",
    "/admin/disclosures/disclosurerecord/?status__exact=published&published_at_year=2023",
    # The add form: autocomplete boxes (select2) and the split date/time widget.
    "/admin/disclosures/disclosurerecord/add/",
    "/admin/proposals/reply/",
    "/admin/portal/sitesettings/",
    # A year's holiday notice entered in one form (core.holiday_entry).
    "/admin/core/workingdayoverride/notice/",
]


def test_admin_pages_have_no_axe_violations(site, reader_context):
    context = reader_context()
    context.add_init_script(path=AXE_SCRIPT)
    page = context.new_page()
    options = {"runOnly": {"type": "tag", "values": [*WCAG_TAGS, "best-practice"]}, "resultTypes": ["violations"]}
    failures = []

    def check(url):
        results = AxeResults(page.evaluate(f"axe.run(document, {json.dumps(options)})"))
        if results.violations_count:
            failures.append(f"--- {url} ---\n{results.generate_report()}")

    page.goto("/admin/login/")
    check("/admin/login/")
    page.fill("#id_username", STAFF_USER)
    page.fill("#id_password", STAFF_PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit]")
    assert "/accounts/2fa/verify/" in page.url  # the password alone is not enough
    check("/accounts/2fa/verify/")
    page.fill("#id_token", current_code(TOTPDevice.objects.get(user__username=STAFF_USER)))
    with page.expect_navigation():
        page.click("form.login-form button[type=submit]")
    change = f"/admin/disclosures/disclosurerecord/{site.seed.pk}/change/"
    # With an attachment, so the inline's row of inputs is checked too (each needs a label).
    attachment = Attachment(record=site.seed, title="附件一")
    attachment.file.save("附件一.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)
    for url in [*PAGES, change]:
        page.goto(url)
        assert page.url.endswith(url), page.url  # signed in
        assert page.evaluate("document.documentElement.lang") == "zh-hans"
        # The add form too: the focus is not moved into its first field (templates/admin/change_form.html).
        assert page.evaluate("document.activeElement === document.body"), url
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-to-content-link"
        # The editors' toolbars get their names and states from rich-text.js after the editor
        # builds them: checked before that, they are English and unlabelled (a race; failed CI once).
        # Their disabled buttons (greyed by class) are told so (aria-disabled), which also
        # exempts them from the contrast rule: checked before that, they failed it (CI once).
        # The editor is built after a dynamic import, so each rich-text field must have its
        # toolbar first: with none yet, "every toolbar is ready" was true at once (CI once more).
        wait_until(
            page,
            "document.querySelectorAll('.prose-menubar').length"
            " >= document.querySelectorAll('textarea[data-rich-text]').length"
            " && [...document.querySelectorAll('.prose-menubar')].every(bar => bar.role === 'toolbar')"
            " && [...document.querySelectorAll('.prose-menubar button[data-name]')]"
            ".every(b => b.getAttribute('aria-disabled') === String(b.classList.contains('disabled')))",
        )
        check(url)
        if url in (change, "/admin/disclosures/disclosurerecord/add/"):
            check_widget_names(page, url, failures)
    assert not failures, "\n".join(failures)


def check_widget_names(page, url, failures):
    """Beyond axe's "has a name": the names are the fields' own labels (static/js/admin-widgets.js,
    templates/admin/widgets/split_datetime.html)."""
    publisher = page.get_by_role("combobox", name="发布机构")
    if publisher.count() != 1:
        failures.append(f"--- {url} --- the 发布机构 autocomplete is not named by its label")
    for input_id in ("id_published_at_0", "id_published_at_1"):
        if not page.locator(f'label[for="{input_id}"]').count():
            failures.append(f"--- {url} --- #{input_id} has no label")
