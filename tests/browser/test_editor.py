"""The admin's rich-text editor in a browser: staff write a record with the keyboard alone and
it shows on the public page; the editor writes only markup the sanitizer keeps (the Python
side is tests/disclosures/test_rich_text.py); no CSP refusal; a textarea without JavaScript."""

import json
import re
from types import SimpleNamespace

import pytest
from axe_playwright_python.sync_playwright import AxeResults
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from disclosures.models import DisclosureRecord, Organization
from disclosures.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_CLASSES, ALLOWED_TAGS, sanitize_html

from ..disclosures.test_rich_text import HTML_ELEMENTS, VOID, every_allowed_construct, tags_and_attributes
from ..disclosures.test_word import WORD
from ..staff import authenticator, current_code
from .conftest import wait_until, watch_console
from .test_axe import AXE_SCRIPT, WCAG_TAGS

PASSWORD = "Editor-staff-2026"
TITLE = "关于用编辑器撰写社区协商通知的测试"
ALLOWED = (
    {(tag, None) for tag in ALLOWED_TAGS}
    | {(tag, name) for tag, names in ALLOWED_ATTRIBUTES.items() for name in names}
    | {(tag, f"class={value}") for tag, values in ALLOWED_CLASSES.items() for value in values}
)


@pytest.fixture(scope="module")
def editor_staff(site, django_db_blocker):
    """One staff member per sign-in (an authenticator code is good once: two sign-ins in the
    same 30 seconds with one device would be refused), and an agency with one review level, so
    a second person's 终审 publishes. Committed before any test's transaction, so the live
    server sees them; `site` puts the database back afterwards."""
    with django_db_blocker.unblock():
        agency = Organization.objects.create(name="编辑器测试局", org_code="015117762", review_levels=1)
        devices = {
            name: authenticator(get_user_model().objects.create_superuser(f"editor-{name}", "", PASSWORD))
            for name in ("keyboard", "final", "agreement", "nojs", "links")
        }
        return SimpleNamespace(agency=agency, devices=devices)


def sign_in(reader_context, editor_staff, name):
    context = reader_context(js=name != "nojs")
    context.add_init_script(path=AXE_SCRIPT)
    page = watch_console(context.new_page())
    page.goto("/admin/login/")
    page.fill("#id_username", f"editor-{name}")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit]")
    page.fill("#id_token", current_code(editor_staff.devices[name]))
    with page.expect_navigation():
        page.click("form.login-form button[type=submit]")
    assert page.url.endswith("/admin/")
    return page


@pytest.fixture
def staff_page(reader_context, editor_staff, request):
    return sign_in(reader_context, editor_staff, request.param)


def open_editor(page):
    page.goto("/admin/disclosures/disclosurerecord/add/")
    page.wait_for_selector(".prose-editor [role=toolbar]")
    return page.get_by_role("textbox", name="正文")


def editor_has_focus(editable):
    """The editor takes the focus from a handler of the label's click or the toolbar button's
    Enter, which may run after Playwright's click returns (CI runs two suites on two cores):
    wait for it, up to Playwright's timeout, rather than read it at once."""
    expect(editable).to_be_focused()


@pytest.mark.parametrize("staff_page", ["keyboard"], indirect=True)
def test_staff_write_a_record_with_the_keyboard_and_it_shows_on_the_public_page(
    site, staff_page, reader_context, editor_staff
):
    page = staff_page
    editable = open_editor(page)
    page.fill("#id_title", TITLE)
    # 发布机构 and 主题分类 are autocomplete boxes (select2): chosen directly, they are not the editor.
    for field, pk in (("publisher", editor_staff.agency.pk), ("topic", site.seed.topic_id)):
        page.evaluate(
            "([field, pk]) => { const s = document.getElementById('id_' + field);"
            " s.append(new Option('x', pk, true, true)); s.dispatchEvent(new Event('change')) }",
            [field, pk],
        )

    page.click("label[for=id_body]")  # the field's label leads into the editor
    editor_has_focus(editable)
    page.keyboard.type("工作要求")
    # Shift+Tab reaches the toolbar (one stop), the arrow keys its buttons, Enter presses one.
    page.keyboard.press("Shift+Tab")
    for _ in range(12):
        if page.evaluate("document.activeElement.getAttribute('aria-label')") == "二级标题":
            break
        page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "二级标题"
    page.keyboard.press("Enter")
    editor_has_focus(editable)
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.type("为进一步做好社区协商工作，")
    page.keyboard.press("Control+b")
    page.keyboard.type("现通知如下")
    page.keyboard.press("Control+b")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+Shift+7")  # numbered list
    page.keyboard.type("成立工作小组")
    page.keyboard.press("Enter")
    page.keyboard.type("每季度协商一次")
    page.keyboard.press("Escape")  # leaves the editor: the keyboard is never trapped
    assert not page.evaluate("!!document.activeElement.closest('.prose-editor')")
    assert editable.get_attribute("aria-label") == "正文"

    with page.expect_navigation():
        page.click("button[name=_review][value=submit]")
    assert "已保存并提交终审" in page.inner_text(".messagelist"), page.locator(".errorlist").all_inner_texts()
    assert not [error for error in page.console_errors if "Content Security Policy" in error], page.console_errors

    record = DisclosureRecord.objects.get(title=TITLE)
    try:
        # Another person's 终审 publishes it; the editor shows the body as it was written.
        page = sign_in(reader_context, editor_staff, "final")
        page.goto(f"/admin/disclosures/disclosurerecord/{record.pk}/change/")
        page.wait_for_selector(".prose-editor .ProseMirror h2")
        with page.expect_navigation():
            page.click("button[name=_review][value=approve]")
        assert "已发布" in page.inner_text(".messagelist")
        record.refresh_from_db()
        assert record.status == "published"
        assert record.body == (
            "<h2>工作要求</h2><p>为进一步做好社区协商工作，<strong>现通知如下</strong></p>"
            "<ol><li><p>成立工作小组</p></li><li><p>每季度协商一次</p></li></ol>"
        )
        page.goto(record.get_absolute_url())
        body = page.locator(".record-body")
        assert body.locator("h2").inner_text() == "工作要求"
        assert body.locator("strong").inner_text() == "现通知如下"
        assert body.locator("ol > li").all_inner_texts() == ["成立工作小组", "每季度协商一次"]
    finally:  # the other browser tests read the demo data as it was
        page.goto(f"/admin/disclosures/disclosurerecord/{record.pk}/delete/")
        with page.expect_navigation():
            page.click("input[type=submit]")
        assert not DisclosureRecord.objects.filter(pk=record.pk).exists()


PASTE = """(html) => {
    const data = new DataTransfer()
    data.setData('text/html', html)
    data.setData('text/plain', '')
    const editable = document.querySelector('.prose-editor .ProseMirror')
    editable.focus()
    editable.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}))
}"""
# Tables as staff's markup may hold them (attributes in the order the editor writes them).
TABLES = [
    "<table><tbody><tr><th><p>姓名</p></th><th><p>职务</p></th></tr><tr><td><p>张明</p></td><td><p>主任</p></td></tr></tbody></table>",
    "<table><thead><tr><td><p>年份</p></td></tr></thead><tbody><tr><td><p>2023</p></td></tr></tbody></table>",
    '<table><tbody><tr><th colspan=" 02" scope=" ROW "><p>甲</p></th><td colspan="0" rowspan="x"><p>乙</p></td></tr>'
    '<tr><td colspan="2.5"><p>丙</p></td><td rowspan="65535"><p>丁</p></td><td><p>戊</p></td></tr></tbody></table>',
    '<table><tbody><tr><th scope="all"><p>甲</p></th></tr><tr><th><p>乙</p></th></tr></tbody></table>',
    '<table><tbody><tr><th colspan="1" rowspan="1" scope="row"><p>地址</p></th><td colspan="01"><p>太和街道</p></td></tr></tbody></table>',
    '<table><tbody><tr><th rowspan="2"><p>序号</p></th><th><p>姓名</p></th></tr><tr><td><p>张明</p></td></tr></tbody></table>',
    '<table><tbody><tr><th rowspan="2"><p>序号</p></th><th><p>基本情况</p></th></tr><tr><th><p>姓名</p></th></tr>'
    "<tr><td><p>1</p></td><td><p>张明</p></td></tr></tbody></table>",
    # A <thead> after body rows: its row stays where it is written.
    "<table><thead><tr><th><p>项目</p></th></tr></thead><tbody><tr><td><p>甲</p></td></tr></tbody>"
    "<thead><tr><td><p>乙</p></td></tr></thead></table>",
    "<table><tbody><tr><td><p>甲</p></td></tr></tbody><thead><tr><th><p>项目</p></th></tr></thead></table>",
    # A header cell spanning past the table's last row: the span ends there, the rows are the head.
    '<table><tbody><tr><th rowspan="3"><p>甲</p></th><th><p>乙</p></th></tr><tr><th><p>丙</p></th></tr></tbody></table>',
]


def editor_html(page, content):
    return page.evaluate(
        "(content) => { const editor = document.getElementById('id_body').richTextEditor;"
        " editor.commands.setContent(content); return editor.getHTML() }",
        content,
    )


@pytest.mark.parametrize("staff_page", ["agreement"], indirect=True)
def test_the_editor_writes_only_what_the_sanitizer_keeps(staff_page):
    page = staff_page
    open_editor(page)
    # Everything the definition allows, the editor keeps, and the sanitizer keeps what it wrote.
    sample = every_allowed_construct()
    written = editor_html(page, sample)
    assert tags_and_attributes(written) == tags_and_attributes(sample) == ALLOWED
    assert sanitize_html(written) == written == sample
    # Header rows, scopes and spans: the editor reads a table as the sanitizer keeps it.
    for table in TABLES:
        assert editor_html(page, table) == sanitize_html(table), table
    # What the toolbar's commands make survives sanitizing unchanged.
    made = page.evaluate(
        """() => {
        const editor = document.getElementById('id_body').richTextEditor
        editor.commands.setContent('<p>链接文字 粗体</p>')
        editor.chain().focus().setTextSelection({from: 1, to: 5}).setLink({href: 'https://www.gd.gov.cn/', target: '_blank'}).run()
        editor.chain().setTextSelection({from: 6, to: 8}).toggleBold().toggleItalic().toggleSuperscript().run()
        editor.chain().setTextSelection(8).updateAttributes('paragraph', {signature: true}).run()
        editor.chain().focus('end').insertTable({rows: 3, cols: 3, withHeaderRow: true}).run()
        editor.chain().mergeCells().updateAttributes('table', {caption: '表一'}).run()
        editor.chain().focus('end').setImage({src: '/static/img/logo.png', alt: '标志'}).run()
        editor.chain().focus('end').toggleBulletList().sinkListItem('listItem').run()
        editor.chain().focus('end').toggleOrderedList().run()
        return editor.getHTML()
    }"""
    )
    assert '<a href="https://www.gd.gov.cn/">链接文字</a>' in made and "<caption>表一</caption>" in made
    assert '<p class="signature">' in made and "<strong><em><sup>" in made
    # The inserted table's header row is its head of column headers.
    assert '<caption>表一</caption><thead><tr><th scope="col"><p></p></th><th scope="col">' in made
    assert sanitize_html(made) == made
    # Pasting from Word: the server cleans it as a save would, and Word's numbered paragraphs
    # arrive as a list; the picture that only exists on the author's computer is named.
    word = (WORD / "notice-word2016.html").read_text(encoding="utf-8")
    page.evaluate("document.getElementById('id_body').richTextEditor.commands.setContent('<p></p>')")
    with page.expect_response(lambda response: response.url.endswith("/admin/rich-text/clean/")) as answer:
        page.evaluate(PASTE, word)
    assert answer.value.status == 200
    wait_until(page, "document.getElementById('id_body').value.includes('社区公益事业')")
    pasted = page.evaluate("document.getElementById('id_body').value")
    assert "<h2>一、工作目标</h2>" in pasted and "<ol><li><p>各街道成立社区协商工作小组</p><ol>" in pasted
    assert '<p class="signature">官渡区民政局</p>' in pasted and "mso" not in pasted.lower()
    assert "1张图片没有带入" in page.locator(".rich-text-status").inner_text()
    assert sanitize_html(pasted) == pasted
    # A Word table whose first row repeats as the header row arrives with it as its head.
    namelist = (WORD / "namelist-header-row-word2016.html").read_text(encoding="utf-8")
    page.evaluate("document.getElementById('id_body').richTextEditor.commands.setContent('<p></p>')")
    with page.expect_response(lambda response: response.url.endswith("/admin/rich-text/clean/")):
        page.evaluate(PASTE, namelist)
    wait_until(page, "document.getElementById('id_body').value.includes('王芳')")
    pasted = page.evaluate("document.getElementById('id_body').value")
    assert '<table><thead><tr><th scope="col"><p><strong>序号</strong></p></th>' in pasted
    assert pasted.count(' scope="col"') == 4 and sanitize_html(pasted) == pasted
    assert not [error for error in page.console_errors if "Content Security Policy" in error], page.console_errors
    # The editor's field with that content (toolbar, editing area, help) passes axe (WCAG 2.2 AA).
    # (Last before the foreign sample: axe sets inline styles of its own, which the CSP refuses.)
    # No colour fades between a button's states: axe once read one halfway, below 4.5:1.
    durations = page.evaluate(
        "[...document.querySelectorAll('.prose-menubar__button')].map(b => getComputedStyle(b).transitionDuration)"
    )
    assert durations and set(durations) == {"0s"}, set(durations)
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    results = AxeResults(page.evaluate(f"axe.run({{include: [['.field-body']]}}, {json.dumps(options)})"))
    assert not results.violations_count, results.generate_report()
    # Everything else: the editor drops it as the sanitizer does. (The browser refuses the
    # sample's inline styles while parsing it, by the CSP: not checked from here on.)
    foreign = "".join(
        f'<{tag} style="color:red" class="x" id="y" data-z="1" lang="en">{"" if tag in VOID else "文字"}'
        f"{'' if tag in VOID else f'</{tag}>'}"
        for tag in HTML_ELEMENTS
        if tag not in ("html", "head", "body", "title", "script", "style", "template", "textarea")
    )
    written = editor_html(page, foreign)
    assert tags_and_attributes(written) <= ALLOWED
    assert tags_and_attributes(sanitize_html(foreign)) <= ALLOWED
    assert sanitize_html(written) == written


@pytest.mark.parametrize("staff_page", ["nojs"], indirect=True)
def test_without_javascript_the_body_is_a_textarea(staff_page):
    page = staff_page
    page.goto("/admin/disclosures/disclosurerecord/add/")
    assert page.locator("textarea#id_body").is_visible()
    assert page.locator(".prose-menubar").count() == 0
    assert page.locator("input#id_body_docx[type=file]").is_visible()


@pytest.mark.parametrize("staff_page", ["links"], indirect=True)
def test_the_link_dialog_says_why_an_address_cannot_be_used(staff_page):
    """javascript: and ftp: addresses became empty links, and www.gov.cn a relative one, with
    no word (a tester's find): the dialog now names the problem beside the field and stays open."""
    page = staff_page
    open_editor(page)
    page.evaluate(
        """() => {
        const editor = document.getElementById('id_body').richTextEditor
        editor.commands.setContent('<p>链接文字</p>')
        editor.chain().focus().setTextSelection({from: 1, to: 5}).run()
    }"""
    )
    page.get_by_role("button", name="链接（先选中文字）").click()
    address = page.locator("dialog.prose-editor-dialog input[name=href]")
    for typed, message in (
        ("javascript:alert(1)", "不能使用“javascript:”开头的地址"),
        ("ftp://x.example/a", "不能使用“ftp:”开头的地址"),
        ("www.gov.cn", "请填写完整的网址"),
    ):
        address.fill(typed)
        address.press("Enter")
        assert message in address.evaluate("input => input.validationMessage")
        assert page.locator("dialog.prose-editor-dialog[open]").count() == 1
    address.fill("https://www.gov.cn/")
    address.press("Enter")
    expect(page.locator("dialog.prose-editor-dialog")).to_have_count(0)
    html = page.evaluate("document.getElementById('id_body').richTextEditor.getHTML()")
    assert re.search(r'<a href="https://www.gov.cn/"[^>]*>链接文字</a>', html), html
