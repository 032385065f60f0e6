"""Reader preferences (长者模式 and the 无障碍浏览 toolbar), kept in one cookie and
applied on the server, so they work without JavaScript and never flash.

static/js/reader.js mirrors this module (cookie format, classes, limits): change both."""

import functools
from dataclasses import dataclass, fields, replace
from urllib.parse import parse_qsl, urlencode

COOKIE_NAME = "reader"
COOKIE_MAX_AGE = 365 * 24 * 3600
FONT_STEPS = range(-2, 5)  # each step is 12.5 % of the root size
# Matched as text: int() of a 5,000-digit value raises (a forged cookie was a 500 on every page).
_FONT_STEP_VALUES = {str(step): step for step in FONT_STEPS}
FONT_STEP_PERCENT = 12.5
CONTRASTS = {"": "默认配色", "yb": "黑底黄字", "wb": "白底黑字"}
FLAGS = ("elder", "big_cursor", "guide", "text_only", "speech", "toolbar")


@dataclass(frozen=True)
class ReaderPreferences:
    elder: bool = False
    font_step: int = 0
    contrast: str = ""
    big_cursor: bool = False
    guide: bool = False  # 十字线: reading guide lines that follow the pointer and focus
    text_only: bool = False
    speech: bool = False  # 指读: read aloud what is pointed at or focused
    toolbar: bool = False  # the toolbar stays open across pages until closed

    @classmethod
    def from_cookie(cls, raw: str | None) -> "ReaderPreferences":
        return _from_cookie(raw or "")

    def updated(self, values) -> "ReaderPreferences":
        """Apply query-style values, ignoring anything out of range."""
        changes = {}
        for flag in FLAGS:
            if flag in values:
                changes[flag] = values[flag] in ("1", "true", "on")
        step = _FONT_STEP_VALUES.get(values.get("font_step"))
        if step is not None:
            changes["font_step"] = step
        if values.get("contrast") in CONTRASTS:
            changes["contrast"] = values["contrast"]
        return replace(self, **changes)

    def reset(self) -> "ReaderPreferences":
        """全部重置: back to the site's defaults, but keep the toolbar where the reader is."""
        return ReaderPreferences(toolbar=self.toolbar)

    def to_cookie(self) -> str:
        data = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value != f.default:
                data[f.name] = int(value) if isinstance(value, bool) else value
        return urlencode(data)

    @property
    def is_default(self) -> bool:
        return self == ReaderPreferences()

    @property
    def min_font_step(self) -> int:
        # Elder mode promises body text of at least 20 px, so it never shrinks below its base.
        return 0 if self.elder else FONT_STEPS[0]

    @property
    def effective_font_step(self) -> int:
        return max(self.font_step, self.min_font_step)

    @property
    def font_percent(self) -> str:
        value = 100 + FONT_STEP_PERCENT * self.effective_font_step
        return f"{value:g}%"

    @property
    def can_grow(self) -> bool:
        return self.effective_font_step < FONT_STEPS[-1]

    @property
    def can_shrink(self) -> bool:
        return self.effective_font_step > self.min_font_step

    @functools.cached_property  # frozen: worked out once per instance (they are shared)
    def html_classes(self) -> str:
        classes = []
        if self.elder:
            classes.append("elder")
        step = self.effective_font_step
        if step:
            classes.append(f"font-step-{step}".replace("--", "-minus-"))
        if self.contrast:
            classes.append(f"contrast-{self.contrast}")
        if self.big_cursor:
            classes.append("big-cursor")
        if self.guide:
            classes.append("reading-guide")
        if self.text_only:
            classes.append("text-only")
        if self.speech:
            classes.append("speech-point")
        return " ".join(classes)

    @functools.cached_property
    def cache_key(self) -> str:
        """A short string that varies cached pages by preference."""
        return self.to_cookie() or "default"

    def toolbar_groups(self):
        """The toolbar's buttons, grouped, with the value each submits without JavaScript.

        Toggles carry `pressed`; reader.js reads `name`/`data-*` to apply them in place."""
        step = self.effective_font_step
        size = [
            {
                "label": "文字放大",
                "name": "font_step",
                "value": min(step + 1, FONT_STEPS[-1]),
                "delta": "1",
                "disabled": not self.can_grow,
            },
            {
                "label": "文字缩小",
                "name": "font_step",
                "value": max(step - 1, self.min_font_step),
                "delta": "-1",
                "disabled": not self.can_shrink,
            },
            {"label": "默认大小", "name": "font_step", "value": 0, "delta": "0", "disabled": False},
        ]
        colours = [
            _toggle(label, "contrast", pressed=self.contrast == key, on=key, off="")
            for key, label in CONTRASTS.items()
            if key
        ]
        aids = [
            _toggle("大鼠标", "big_cursor", pressed=self.big_cursor),
            _toggle("十字线", "guide", pressed=self.guide),
            _toggle("纯文本", "text_only", pressed=self.text_only),
        ]
        return [
            {"id": "size", "label": "文字大小", "buttons": size, "status": f"当前 {self.font_percent}"},
            {"id": "colour", "label": "高对比配色", "buttons": colours},
            {"id": "aids", "label": "阅读辅助", "buttons": aids},
            # Speech needs the browser's own speechSynthesis: reader.js reveals this group.
            {
                "id": "speech",
                "label": "语音朗读",
                "requires_script": True,
                "status": "",
                "buttons": [
                    _toggle("指读", "speech", pressed=self.speech),
                    {"label": "连读", "action": "read-all", "pressed": False},
                ],
            },
        ]


def _toggle(label, name, *, pressed, on="1", off="0"):
    return {"label": label, "name": name, "value": off if pressed else on, "on": on, "pressed": pressed}


@functools.lru_cache(maxsize=256)
def _from_cookie(raw: str) -> ReaderPreferences:
    # Read on every request, and readers share a handful of settings: parsed once each (the
    # preferences are frozen, so one copy serves every request).
    return ReaderPreferences().updated(dict(parse_qsl(raw, keep_blank_values=False)))
