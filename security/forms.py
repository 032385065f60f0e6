from django import forms


class TokenForm(forms.Form):
    token = forms.CharField(
        label="验证码",
        max_length=16,
        strip=True,
        help_text="身份验证器应用显示的 6 位数字；手机不在身边时，可输入一个恢复码（每个只能用一次）。",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )
