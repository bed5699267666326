from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pupilhub.schools.choices import year_choices

from .models import LicenceType


class RegisterForm(forms.Form):
    email = forms.EmailField(
        help_text="This is your username.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        strip=False,
        help_text="At least 12 characters. A short sentence you will remember works well.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    pupil_id = forms.CharField(
        label="Pupil ID", max_length=30, help_text="From the school's letter."
    )
    licence_key = forms.CharField(
        max_length=40,
        help_text="17 characters, e.g. ABCD-EFGH-JKMN-PQRS-T. Capitals and hyphens do not matter.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "class": "key-code"}
        ),
    )


class AddPupilForm(forms.Form):
    school = forms.ChoiceField(
        required=False,
        help_text=_("Leave as it is for a school you have not used here yet: the key says which."),
    )
    pupil_id = forms.CharField(label="Pupil ID", max_length=30)
    licence_key = forms.CharField(
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "class": "key-code"}
        ),
    )

    def __init__(self, *args: object, schools: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["school"].choices = [("", _("Any school (from the letter's key)")), *schools]  # type: ignore[attr-defined]


class PreferencesForm(forms.Form):
    paperless_reports = forms.BooleanField(
        required=False, label="I will read reports online (no paper copy needed)"
    )


class ChangePasswordForm(forms.Form):
    current_password = forms.CharField(
        strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password = forms.CharField(
        strip=False,
        help_text="At least 12 characters.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class ChangeEmailForm(forms.Form):
    email = forms.EmailField(label="New email")
    password = forms.CharField(
        strip=False,
        label="Current password",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        strip=False,
        label="Current password",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label="I understand my account and its pupil links will be deleted"
    )


class KeysForm(forms.Form):
    licence_type = forms.ModelChoiceField(queryset=LicenceType.objects.none())
    pupils = forms.CharField(
        required=False,
        max_length=20000,
        label=_("These pupils"),
        help_text=_(
            'One a line: a pupil ID, or a name such as "Lan Ng". For a social worker\'s key, '
            "name only the child they work with."
        ),
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}),
    )
    year_group = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None, label=_("or a whole year group")
    )
    tutor_group = forms.CharField(required=False, max_length=20, label=_("or a whole tutor group"))

    def __init__(self, *args: object, school: Any, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["licence_type"].queryset = LicenceType.objects.filter(school=school)  # type: ignore[attr-defined]
        self.fields["year_group"].choices = [("", _("Choose")), *year_choices(school.year_scheme)]  # type: ignore[attr-defined]

    def clean(self) -> dict:
        data = super().clean() or {}
        chosen = [
            bool((data.get("pupils") or "").strip()),
            data.get("year_group") is not None,
            bool(data.get("tutor_group")),
        ]
        if not any(chosen):
            raise forms.ValidationError(
                _("Name the pupils, or choose a year group or a tutor group.")
            )
        if sum(chosen) > 1:
            raise forms.ValidationError(
                _(
                    "Choose one: named pupils, a year group or a tutor group "
                    "(keys are made for all of it)."
                )
            )
        return data


class FieldForm(forms.Form):
    name = forms.CharField(max_length=120, help_text='e.g. "Y8 Autumn Maths"')
    subject = forms.CharField(max_length=60, required=False)
    year_group = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    period = forms.CharField(max_length=40, required=False, help_text='e.g. "Y8 Autumn"')
    kind = forms.ChoiceField(choices=[("grade", "Grade"), ("number", "Number"), ("text", "Text")])

    def __init__(self, *args: object, school: Any, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["year_group"].choices = [("", "Any"), *year_choices(school.year_scheme)]  # type: ignore[attr-defined]
        year = school.year_label(8)  # examples in the school's own year labels
        self.fields["name"].help_text = f'e.g. "{year} Autumn Maths"'
        self.fields["period"].help_text = f'e.g. "{year} Autumn"'


class ImportForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="Columns: pupil_id, then one per field key.")


class SettingsForm(forms.Form):
    external_login_enabled = forms.BooleanField(
        required=False, label="Parents and pupils can log in"
    )
    pupil_email_domains = forms.CharField(
        required=False,
        max_length=300,
        label="Pupils' email domains",
        help_text="Comma-separated, e.g. pupils.oakfield.sch.uk",
    )
