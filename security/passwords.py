"""Password rules beyond Django's own validators (等保 2.0 身份鉴别: 口令复杂度)."""

import string

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

CHARACTER_CLASSES = [
    ("小写字母", lambda c: c in string.ascii_lowercase),
    ("大写字母", lambda c: c in string.ascii_uppercase),
    ("数字", str.isdigit),
    ("符号", lambda c: not c.isalnum()),
]


class CharacterClassesValidator:
    """At least `min_classes` of: lower-case letters, upper-case letters, digits, symbols.
    (Other letters, e.g. Chinese characters, count as none of the first three.)"""

    def __init__(self, min_classes=3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        used = sum(1 for _, is_in_class in CHARACTER_CLASSES if any(is_in_class(c) for c in password))
        if used < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self):
        names = "、".join(name for name, _ in CHARACTER_CLASSES)
        return f"密码须包含{names}中至少 {self.min_classes} 类。"


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with the message in Chinese (its zh-hans catalogue lacks this plural form)."""

    def get_error_message(self):
        return f"密码太短，至少需要 {self.min_length} 个字符。"

    def get_help_text(self):
        return f"密码至少需要 {self.min_length} 个字符。"
