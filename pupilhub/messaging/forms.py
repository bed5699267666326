from typing import Any

from django import forms

from pupilhub.gateway.models import LicenceType
from pupilhub.pupils.models import Pupil
from pupilhub.schools.choices import year_label


class ComposeForm(forms.Form):
    subject = forms.CharField(max_length=200)
    html_body = forms.CharField(
        label="Message",
        widget=forms.Textarea(attrs={"rows": 10, "data-editor": "1"}),
        help_text=(
            "Paragraphs, bold, italic, lists and links. Merge fields: {{ pupil_first_name }} "
            "and {{ school_name }}."
        ),
    )
    year_groups = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    tutor_groups = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    sets = forms.CharField(
        required=False, help_text="Comma-separated, e.g. 8X/Ma1, 8Y/Ma2", max_length=500
    )
    pupils = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    licence_types = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple, label="Send to")

    def __init__(self, *args: object, school: Any, pupils: list[Pupil], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.chosen_pupils = pupils
        roll = Pupil.objects.filter(school=school, status="active")
        years = sorted(set(roll.values_list("year_group", flat=True)))
        scheme = school.year_scheme
        self.fields["year_groups"].choices = [(y, year_label(y, scheme)) for y in years]  # type: ignore[attr-defined]
        tutor = sorted(set(roll.exclude(tutor_group="").values_list("tutor_group", flat=True)))
        self.fields["tutor_groups"].choices = [(t, t) for t in tutor]  # type: ignore[attr-defined]
        self.fields["pupils"].choices = [(str(p.pk), p.full_name) for p in pupils]  # type: ignore[attr-defined]
        self.fields["licence_types"].choices = [  # type: ignore[attr-defined]
            (str(t.pk), t.name) for t in LicenceType.objects.filter(school=school)
        ]

    def audience(self) -> dict[str, object]:
        data = self.cleaned_data
        return {
            "pupils": data.get("pupils") or [],
            "year_groups": data.get("year_groups") or [],
            "tutor_groups": data.get("tutor_groups") or [],
            "sets": [s.strip() for s in (data.get("sets") or "").split(",") if s.strip()],
            "licence_types": data.get("licence_types") or [],
        }
