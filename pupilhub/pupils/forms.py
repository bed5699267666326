from django import forms
from django.utils.translation import gettext_lazy as _

from pupilhub.schools.choices import year_choices

from .models import PupilStatus, SenStatus, Sex


class PupilForm(forms.Form):
    first_name = forms.CharField(max_length=100)
    surname = forms.CharField(max_length=100)
    date_of_birth = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    pupil_id = forms.CharField(
        max_length=20, label="Pupil ID (UPN)", help_text="In England, the 13-character UPN."
    )
    year_group = forms.TypedChoiceField(coerce=int, choices=year_choices("england"))
    tutor_group = forms.CharField(max_length=20, required=False)
    sets = forms.CharField(
        required=False, help_text="Separate sets with semicolons, e.g. 8X/Ma1; 8Y/En2"
    )
    status = forms.ChoiceField(choices=PupilStatus.choices)
    sex = forms.ChoiceField(choices=[("", "Not recorded"), *Sex.choices], required=False)
    sen_status = forms.ChoiceField(choices=SenStatus.choices, label="SEN status", required=False)
    sen_start_date = forms.DateField(
        required=False,
        label="SEN status since",
        help_text="Leave empty to use the day the status changes.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    sen_needs = forms.CharField(
        required=False,
        label="SEN needs",
        help_text="DfE codes, primary need first, separated by semicolons, e.g. SPLD; SLCN",
    )

    def __init__(self, *args: object, scheme: str = "england", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["year_group"].choices = year_choices(scheme)  # type: ignore[attr-defined]
        if scheme != "england":
            self.fields["pupil_id"].label = "Pupil ID"
            self.fields["pupil_id"].help_text = "1 to 20 letters and digits."


class ImportForm(forms.Form):
    file = forms.FileField(
        label="MIS export (CSV, Excel .xlsx or Common Transfer File)",
        help_text=_(
            "A spreadsheet needs a header row with your MIS's labels (UPN, Legal Surname, "
            "Legal Forename, DOB, NC Year, Reg Group, Gender, SEN Status) or the template's; "
            "title rows above it are skipped. Dates as DD/MM/YYYY, YYYY-MM-DD or 9 May 2014; "
            "years as 7, Y7, Yr 7, Year 7, R, N1, N2, X, P1-P7 or S1-S6. A CTF (.xml) brings "
            "names, date of birth, sex, year and SEN history."
        ),
    )
    partial = forms.BooleanField(
        required=False, label=_("Import the good rows even if some rows have errors")
    )
    accept_other_destination = forms.BooleanField(
        required=False,
        label=_("This CTF was addressed to another school: import it anyway"),
        help_text=_("Only tick this after checking the pupils really are joining this school."),
    )

    def __init__(self, *args: object, scheme: str = "england", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if scheme == "scotland":
            self.fields["file"].help_text = str(self.fields["file"].help_text).replace(
                "years as 7, Y7, Yr 7, Year 7, R, N1, N2, X, P1-P7 or S1-S6",
                "years as S1-S6, P1-P7 or N (nursery)",
            )
