from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .apikeys import SCOPES
from .choices import NOT_NC, YEAR_CODES, Role, YearScheme, year_label


def _both_schemes() -> list[tuple[int, str]]:
    """The operator picks the range before the scheme is known to the page: name the year
    in both schemes ("Y8 / S1") so a Scottish school is not set up in English years."""
    return [
        (code, f"{year_label(code, 'england')} / {year_label(code, 'scotland')}")
        for code in YEAR_CODES
        if code != NOT_NC
    ]


class SchoolForm(forms.Form):
    name = forms.CharField(max_length=200)
    postcode = forms.CharField(max_length=10)
    year_scheme = forms.ChoiceField(choices=YearScheme.choices)
    year_from = forms.TypedChoiceField(
        coerce=int,
        choices=_both_schemes,
        label="First year taught",
        help_text="England / Scotland: Y1 is P1, Y8 is S1.",
    )
    year_to = forms.TypedChoiceField(coerce=int, choices=_both_schemes, label="Last year taught")
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
    senco = forms.BooleanField(
        required=False,
        label="SENCo",
        help_text="Runs the SEN review cycle and gets its reminders.",
    )

    def __init__(self, *args: Any, can_grant_lead: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not can_grant_lead:
            del self.fields["safeguarding_lead"]


class HandoverForm(forms.Form):
    """Operators: propose a new Main School Admin (a second operator approves)."""

    school: forms.ModelChoiceField = forms.ModelChoiceField(queryset=None, label="School")  # type: ignore[type-arg]
    email = forms.EmailField(label="Address of the staff member who takes over")

    def __init__(self, *args: Any, schools: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from .models import School

        ids = [s.pk for s in schools]
        self.fields["school"].queryset = School.objects.filter(pk__in=ids)  # type: ignore[attr-defined]


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        help_text=_("What uses it, e.g. “SIMS nightly sync”. It names the key in the audit log."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("What it may do"),
        choices=[(k, str(v)) for k, v in SCOPES.items()],
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "A key never reaches safeguarding, families' accounts, staff or billing, whatever "
            "you tick."
        ),
    )


class SupportForm(forms.Form):
    email = forms.EmailField(required=False, label=_("Support email"))
    phone = forms.CharField(required=False, max_length=30, label=_("Support phone"))
    hours = forms.CharField(
        required=False,
        max_length=120,
        label=_("When support answers"),
        help_text=_('For example "Weekdays 8am to 5pm".'),
    )
