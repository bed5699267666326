from django import forms


class LoginForm(forms.Form):
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "username"}))
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}), strip=False
    )


class EmailForm(forms.Form):
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class NewPasswordForm(forms.Form):
    new_password = forms.CharField(
        label="New password",
        strip=False,
        help_text="At least 12 characters. A short sentence you will remember works well.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
