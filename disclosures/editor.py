"""The admin's rich-text editor: django-prose-editor's bundled Tiptap editor, built from the
extensions of disclosures.sanitize.EDITOR_EXTENSIONS by disclosures/static/disclosures/rich-text.js.

Not django-prose-editor's own widget: it emits an inline `<script type="importmap">`, which
the site's Content-Security-Policy (script-src 'self' plus a nonce, no 'unsafe-inline')
refuses. Our module loads the bundle by its static URL with import() instead, so the admin
needs no inline script or style. Without JavaScript the field is the textarea it always was.

Every image in the field gets an "alternative text" input beside the editor (ATAG: the form
asks for it), so staff can fill it in without JavaScript too; the text they type there is
written into the image's alt attribute when the form is read."""

import hashlib
import html
import json
import re
from html.parser import HTMLParser

from django import forms
from django.db import models
from django.forms.widgets import Script
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from .sanitize import EDITOR_CONFIG, image_name, images_in, sanitize_html

ALT_MAX_LENGTH = 300
_IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)


def alt_input_name(field_name: str, src: str) -> str:
    return f"{field_name}__alt_{hashlib.sha1(src.encode()).hexdigest()[:12]}"


class _Attributes(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.attributes = []

    def handle_starttag(self, tag, attrs):
        self.attributes = attrs

    handle_startendtag = handle_starttag


def with_alt_texts(value: str, alts: dict[str, str]) -> str:
    """`value` with the alt text of each image whose address is in `alts` set to it. Only the
    <img> tags are rewritten: the rest reaches the sanitizer (and its text-loss check) as typed."""
    if not alts:
        return value

    def rewrite(match):
        parser = _Attributes()
        parser.feed(match.group(0))
        attributes = dict(parser.attributes)
        src = attributes.get("src") or ""
        if src not in alts or (attributes.get("alt") or "") == alts[src]:
            return match.group(0)
        attributes["alt"] = alts[src]
        pairs = " ".join(
            name if value is None else f'{name}="{html.escape(value, quote=True)}"'
            for name, value in attributes.items()
        )
        return f"<img {pairs}>"

    return _IMG_TAG.sub(rewrite, value)


class RichTextWidget(forms.Textarea):
    class Media:
        css = {
            "all": [
                "django_prose_editor/material-icons.css",
                "django_prose_editor/editor.css",
                "django_prose_editor/overrides.css",
                "disclosures/rich-text.css",
            ]
        }
        js = [Script("disclosures/rich-text.js", type="module")]

    def __init__(self, attrs=None):
        super().__init__({"rows": 20, **(attrs or {})})
        # What staff call the images ({address: attachment title}, or a callable giving it),
        # so the alt-text fields name each image as the publishing check does.
        self.image_names = None

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        config = {
            **EDITOR_CONFIG,
            "editor": static("django_prose_editor/editor.js"),
            "clean": reverse("rich_text_clean"),
        }
        context["widget"]["attrs"]["data-rich-text"] = json.dumps(config, separators=(",", ":"))
        return context

    def value_from_datadict(self, data, files, name):
        value = super().value_from_datadict(data, files, name)
        if not value:
            return value
        # Browsers send a textarea's line breaks as CRLF; stored rich text (sanitized) has LF.
        # Untouched, the two must compare equal: "changed" decides whether a Word import would
        # overwrite typing, whether a published reply is published again, and which fields an
        # edit conflict hands back to the other person's version.
        value = value.replace("\r\n", "\n")
        alts = {}
        for image in images_in(value):
            typed = data.get(alt_input_name(name, image.src))
            if typed is not None:
                alts[image.src] = " ".join(typed.split())[:ALT_MAX_LENGTH]
        return with_alt_texts(value, alts)

    def render(self, name, value, attrs=None, renderer=None):
        rendered = super().render(name, value, attrs, renderer)
        images, seen = [], set()
        for position, image in enumerate(images_in(value or ""), start=1):
            if image.src and image.src not in seen:
                seen.add(image.src)
                images.append((position, image))
        if not images:
            return rendered
        names = self.image_names() if callable(self.image_names) else self.image_names
        field_id = (attrs or {}).get("id") or f"id_{name}"
        rows = format_html_join(
            "",
            '<div class="rich-text-alt"><img src="{}" alt=""><label for="{}">{}的替代文字</label>'
            '<input type="text" id="{}" name="{}" value="{}" maxlength="{}" data-src="{}"></div>',
            (
                (
                    image.src,
                    f"{field_id}_alt_{position}",
                    image_name(position, image, names),
                    f"{field_id}_alt_{position}",
                    alt_input_name(name, image.src),
                    image.alt,
                    ALT_MAX_LENGTH,
                    image.src,
                )
                for position, image in images
            ),
        )
        panel = format_html(
            '<fieldset class="rich-text-alts" data-rich-text-alts="{}"><legend>图片替代文字（发布前必填）</legend>'
            '<p class="help">用一句话说明每张图片的内容，看不到图片的读者（读屏软件）会听到它。</p>{}</fieldset>',
            field_id,
            rows,
        )
        return rendered + panel


class RichTextField(models.TextField):
    """A TextField staff edit with the rich-text editor. Migrations see a plain TextField: the
    editor is a matter of forms, and the sanitizing stays in each model's save()."""

    # Control characters pasted with it are dropped by the sanitizer: nobody can find an
    # invisible one in the editor to delete it (core.admin_input.AdminInputMixin).
    holds_sanitized_html = True

    def as_shown(self, value):
        """The stored text as the page will show it, for a staff member who may only read it
        (core.admin_input): cleaned again, so markup stored by other means shows no more."""
        return format_html('<div class="rich-text-shown">{}</div>', mark_safe(sanitize_html(value or "")))

    def formfield(self, **kwargs):
        widget = kwargs.get("widget")
        if not (
            isinstance(widget, RichTextWidget) or (isinstance(widget, type) and issubclass(widget, RichTextWidget))
        ):
            kwargs["widget"] = RichTextWidget
        return super().formfield(**kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.TextField", args, kwargs
