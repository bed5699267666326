from typing import Any

from django import forms

from .choices import Role, YearScheme, year_choices


class SchoolForm(forms.Form):
    name = forms.CharField(max_length=200)
    postcode = forms.CharField(max_length=10)
    year_scheme = forms.ChoiceField(choices=YearScheme.choices)
    year_from = forms.TypedChoiceField(
        coerce=int, choices=year_choices("england"), label="First year taught"
    )
    year_to = forms.TypedChoiceField(
        coerce=int, choices=year_choices("england"), label="Last year taught"
    )
    urn = forms.CharField(label="URN (6 digits)", max_length=6, required=False)
    lea = forms.CharField(label="Local authority number (3 digits)", max_length=3, required=False)
    estab = forms.CharField(label="Establishment number (4 digits)", max_length=4, required=False)
    admin_email = forms.EmailField(label="Main School Admin's email")
    admin_first_name = forms.CharField(label="Main School Admin's first name", max_length=100)
    admin_surname = forms.CharField(label="Main School Admin's surname", max_length=100)


class StaffForm(forms.Form):
    email = forms.EmailField()
    first_name = forms.CharField(max_length=100)
    surname = forms.CharField(max_length=100)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.STAFF)
    safeguarding_lead = forms.BooleanField(
        required=False,
        label="Designated safeguarding lead",
        help_text="Only the Main School Admin can grant this.",
    )

    def __init__(self, *args: Any, can_grant_lead: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not can_grant_lead:
            del self.fields["safeguarding_lead"]


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
    safeguarding_lead = forms.BooleanField(required=False, label="Designated safeguarding lead")
    can_email_families = forms.BooleanField(
        required=False,
        label="May email families",
        help_text="Admins always may. Other staff only when this is ticked.",
    )

    def __init__(self, *args: Any, can_grant_lead: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not can_grant_lead:
            del self.fields["safeguarding_lead"]
