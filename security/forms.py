import unicodedata

from django import forms


class TokenForm(forms.Form):
    """The second step: the authenticator's 6 digits or a recovery code (letters and digits:
    no numeric keypad, and the phone must not capitalise it)."""

    token = forms.CharField(
        label="验证码",
        max_length=16,
        strip=True,
        help_text="身份验证器应用显示的 6 位数字；手机不在身边时，可输入一个恢复码（每个只能用一次）。",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "none",
                "spellcheck": "false",
            }
        ),
    )

    def clean_token(self):
        # Typed the way phones and paper give it: "123 456", "K7m2p9q4" (recovery codes are
        # lower case), or by an input method in full-width mode: "１２３ ４５６" (NFKC folds it).
        return "".join(unicodedata.normalize("NFKC", self.cleaned_data["token"]).split()).lower()


class AuthenticatorCodeForm(TokenForm):
    """Enrolment: the new authenticator's digits only (recovery codes come after it)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["token"]
        field.help_text = "身份验证器应用显示的 6 位数字。"
        field.widget.attrs["inputmode"] = "numeric"


class EnrolmentForm(AuthenticatorCodeForm):
    """The first authenticator: its digits and, with `needs_code`, the enrolment code that
    reached the owner by mail or from an administrator (the password alone binds nothing)."""

    enrolment_code = forms.CharField(
        label="绑定验证码",
        max_length=20,
        help_text="发到您登记邮箱的，或系统管理员当面交给您的 8 位数字。",
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}),
    )

    field_order = ["enrolment_code", "token"]

    def __init__(self, *args, needs_code=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not needs_code:
            del self.fields["enrolment_code"]

    def clean_enrolment_code(self):
        # Full-width digits (an input method's) are the same code: NFKC, not a wasted try.
        code = "".join(unicodedata.normalize("NFKC", self.cleaned_data["enrolment_code"]).split()).replace("-", "")
        if not (code.isdigit() and len(code) == 8):
            raise forms.ValidationError("绑定验证码是 8 位数字，请核对后重新输入。")
        return code
