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
        # lower case).
        return "".join(self.cleaned_data["token"].split()).lower()


class AuthenticatorCodeForm(TokenForm):
    """Enrolment: the new authenticator's digits only (recovery codes come after it)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["token"]
        field.help_text = "身份验证器应用显示的 6 位数字。"
        field.widget.attrs["inputmode"] = "numeric"
