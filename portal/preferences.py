"""Reader preferences (长者模式 and the 无障碍浏览 toolbar), kept in one cookie and
applied on the server, so they work without JavaScript and never flash."""

from dataclasses import dataclass, fields, replace
from urllib.parse import parse_qsl, urlencode

COOKIE_NAME = "reader"
COOKIE_MAX_AGE = 365 * 24 * 3600
FONT_STEPS = range(-2, 5)  # each step is 12.5 % of the root size
CONTRASTS = {"": "默认配色", "yb": "黑底黄字", "wb": "白底黑字"}


@dataclass(frozen=True)
class ReaderPreferences:
    elder: bool = False
    font_step: int = 0
    contrast: str = ""
    big_cursor: bool = False
    guide: bool = False
    text_only: bool = False

    @classmethod
    def from_cookie(cls, raw: str | None) -> "ReaderPreferences":
        values = dict(parse_qsl(raw or "", keep_blank_values=False))
        return cls().updated(values)

    def updated(self, values) -> "ReaderPreferences":
        """Apply query-style values, ignoring anything out of range."""
        changes = {}
        for flag in ("elder", "big_cursor", "guide", "text_only"):
            if flag in values:
                changes[flag] = values[flag] in ("1", "true", "on")
        step = values.get("font_step")
        if step is not None and step.lstrip("-").isdigit() and int(step) in FONT_STEPS:
            changes["font_step"] = int(step)
        if values.get("contrast") in CONTRASTS:
            changes["contrast"] = values["contrast"]
        return replace(self, **changes)

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
    def html_classes(self) -> str:
        classes = []
        if self.elder:
            classes.append("elder")
        if self.font_step:
            classes.append(f"font-step-{self.font_step}".replace("--", "-minus-"))
        if self.contrast:
            classes.append(f"contrast-{self.contrast}")
        if self.big_cursor:
            classes.append("big-cursor")
        if self.guide:
            classes.append("reading-guide")
        if self.text_only:
            classes.append("text-only")
        return " ".join(classes)

    @property
    def cache_key(self) -> str:
        """A short string that varies cached pages by preference."""
        return self.to_cookie() or "default"
