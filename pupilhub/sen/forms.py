"""Page forms for the SEN cycle; each hands the same data to the action the API calls."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pupilhub.documents.choices import AreaOfNeed

from .choices import SCORES, Outcome

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY_HELP = _("In pence: £12.50 is 1250.")


class ReviewForm(forms.Form):
    date = forms.DateField(label=_("Review date"), widget=DATE)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    next_review_date = forms.DateField(label=_("Next review"), widget=DATE, required=False)
    pupil_views = forms.CharField(
        label=_("The pupil's views"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    parent_views = forms.CharField(
        label=_("Parents' views"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args: Any, targets: list[dict[str, Any]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()
        self.targets = targets
        for i, target in enumerate(targets):
            self.fields[f"score_{i}"] = forms.TypedChoiceField(
                label=_("Score for: %(t)s") % {"t": target.get("description", "")},
                choices=[(s, label) for s, label in SCORES],
                coerce=int,
                initial=0,
                help_text=_("-2 much worse, 0 no change, +2 achieved"),
            )
            self.fields[f"comment_{i}"] = forms.CharField(
                label=_("Comment"), required=False, max_length=5000
            )

    def target_rows(self) -> list[tuple[Any, Any, Any]]:
        return [(t, self[f"score_{i}"], self[f"comment_{i}"]) for i, t in enumerate(self.targets)]

    def main_fields(self) -> list[Any]:
        return [
            self[n] for n in ("date", "pupil_views", "parent_views", "outcome", "next_review_date")
        ]

    def to_data(self) -> dict[str, Any]:
        data = {k: self.cleaned_data[k] for k in ("date", "outcome", "next_review_date")}
        data["pupil_views"] = self.cleaned_data["pupil_views"]
        data["parent_views"] = self.cleaned_data["parent_views"]
        data["targets"] = [
            {
                "target": i,
                "score": self.cleaned_data[f"score_{i}"],
                "comment": self.cleaned_data[f"comment_{i}"],
            }
            for i in range(len(self.targets))
        ]
        return data


class LibraryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    area_of_need = forms.ChoiceField(label=_("Area of need"), choices=AreaOfNeed.choices)
    provider = forms.CharField(label=_("Provider"), max_length=200, required=False)
    session_minutes = forms.IntegerField(label=_("Minutes a session"), min_value=1, required=False)
    sessions_per_week = forms.IntegerField(label=_("Sessions a week"), min_value=1, required=False)
    group_size = forms.IntegerField(label=_("Group size"), min_value=1, required=False)
    cost_pence = forms.IntegerField(
        label=_("Cost (pence)"), min_value=0, initial=0, help_text=MONEY_HELP
    )
    staff_hourly_rate_pence = forms.IntegerField(
        label=_("Staff hourly rate (pence)"), min_value=0, required=False, help_text=MONEY_HELP
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class InterventionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    area_of_need = forms.ChoiceField(label=_("Area of need"), choices=AreaOfNeed.choices)
    provider = forms.CharField(label=_("Provider"), max_length=200, required=False)
    start_date = forms.DateField(label=_("Starts"), widget=DATE)
    end_date = forms.DateField(label=_("Ends"), widget=DATE)
    session_minutes = forms.IntegerField(label=_("Minutes a session"), min_value=1, max_value=1440)
    sessions_per_week = forms.IntegerField(label=_("Sessions a week"), min_value=1, max_value=50)
    staff_hourly_rate_pence = forms.IntegerField(
        label=_("Staff hourly rate (pence)"),
        min_value=0,
        required=False,
        help_text=_("Cost = rate x hours, shared between the pupils. Or give a total below."),
    )
    cost_pence = forms.IntegerField(label=_("Or a total cost (pence)"), min_value=0, required=False)
    pupils = forms.MultipleChoiceField(
        label=_("Pupils"),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Cost remainders (pennies) go to the first pupils chosen."),
    )

    def __init__(self, *args: Any, pupils: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        names = [(str(p.pk), f"{p.full_name} ({p.year_label})") for p in pupils]
        self.fields["pupils"].choices = names  # type: ignore[attr-defined]


class SessionForm(forms.Form):
    date = forms.DateField(label=_("Session date"), widget=DATE)
    attended = forms.MultipleChoiceField(
        label=_("Who came"), widget=forms.CheckboxSelectMultiple, required=False
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=5000
    )

    def __init__(self, *args: Any, pupils: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()
        names = [(str(p.pk), p.full_name) for p in pupils]
        self.fields["attended"].choices = names  # type: ignore[attr-defined]


class EHCPForm(forms.Form):
    local_authority = forms.CharField(label=_("Local authority"), max_length=200)
    issued_on = forms.DateField(label=_("Issued on"), widget=DATE)
    last_review_on = forms.DateField(label=_("Last annual review"), widget=DATE, required=False)
    next_review_meeting_on = forms.DateField(
        label=_("Next review meeting"), widget=DATE, required=False
    )
    phase_transfer_year = forms.IntegerField(
        label=_("Phase transfer year"),
        min_value=2000,
        max_value=2100,
        required=False,
        help_text=_("The year the pupil moves to the next phase, such as 2027."),
    )


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Your comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_(
            "The school sees it with the plan and at the next review. At most 2,000 characters."
        ),
    )
