"""Page forms for safeguarding. Each hands `to_data()` to the same action the API calls."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import Agency, BodyView

MARK_ROWS = 6
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ConcernForm(forms.Form):
    """One short form: who, when, what kind, what you saw and did; a body map if it helps."""

    pupil = forms.ChoiceField(label=_("Child"))
    date = forms.DateField(label=_("Date you saw or heard it"), widget=DATE)
    category = forms.ChoiceField(label=_("Kind of concern"))
    description = forms.CharField(
        label=_("What did you see or hear?"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=20000,
        help_text=_("The child's own words where you can. Facts, not opinions."),
    )
    actions_taken = forms.CharField(
        label=_("What did you do?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=20000,
        required=False,
    )
    linked_pupils = forms.MultipleChoiceField(
        label=_("Other children this is about (brothers or sisters)"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )

    def __init__(self, *args: Any, pupils: list[Any], categories: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices = [
            (str(p.pk), f"{p.full_name} ({p.year_label}, {p.tutor_group or '-'})") for p in pupils
        ]
        self.fields["pupil"].choices = [("", _("Choose a child")), *choices]  # type: ignore[attr-defined]
        self.fields["linked_pupils"].choices = choices  # type: ignore[attr-defined]
        self.fields["category"].choices = [("", _("Choose one")), *categories]  # type: ignore[attr-defined]
        self.fields["date"].initial = timezone.localdate()
        views = [("", "-"), *BodyView.choices]
        for i in range(MARK_ROWS):
            n = i + 1
            self.fields[f"mark_{i}_view"] = forms.ChoiceField(
                label=_("Mark %(n)d: front or back") % {"n": n}, choices=views, required=False
            )
            for axis, words in (("x", _("across")), ("y", _("down"))):
                self.fields[f"mark_{i}_{axis}"] = forms.FloatField(
                    label=_("Mark %(n)d: %(axis)s (0 to 1)") % {"n": n, "axis": words},
                    required=False,
                    min_value=0,
                    max_value=1,
                    widget=forms.NumberInput(attrs={"step": "0.01", "min": 0, "max": 1}),
                )
            self.fields[f"mark_{i}_note"] = forms.CharField(
                label=_("Mark %(n)d: what you saw") % {"n": n}, required=False, max_length=500
            )

    @property
    def marks_given(self) -> bool:
        return any(self.data.get(self.add_prefix(f"mark_{i}_x")) for i in range(MARK_ROWS))

    def main_fields(self) -> list[Any]:
        return [self[n] for n in ("pupil", "date", "category", "description", "actions_taken")]

    def mark_rows(self) -> list[list[Any]]:
        return [
            [self[f"mark_{i}_{p}"] for p in ("view", "x", "y", "note")] for i in range(MARK_ROWS)
        ]

    def marks(self) -> list[dict[str, Any]]:
        out = []
        for i in range(MARK_ROWS):
            row = {p: self.cleaned_data.get(f"mark_{i}_{p}") for p in ("view", "x", "y", "note")}
            if row["view"] or row["x"] is not None or row["y"] is not None or row["note"]:
                out.append(row)
        return out

    def to_data(self) -> dict[str, Any]:
        data = {
            k: self.cleaned_data[k] for k in ("date", "category", "description", "actions_taken")
        }
        return {
            **data,
            "body_map": self.marks(),
            "linked_pupils": self.cleaned_data["linked_pupils"],
        }


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("New category"), max_length=100)


class TaskForm(forms.Form):
    assignee = forms.ChoiceField(label=_("Who"))
    task = forms.CharField(label=_("What to do"), max_length=500)
    due_on = forms.DateField(label=_("By when"), widget=DATE)

    def __init__(self, *args: Any, staff: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        names = [(str(m.pk), m.user.full_name or m.user.email) for m in staff]
        self.fields["assignee"].choices = [("", _("Choose a member of staff")), *names]  # type: ignore[attr-defined]


class TaskDoneForm(forms.Form):
    note = forms.CharField(
        label=_("What you did"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )


class ReferralForm(forms.Form):
    agency = forms.ChoiceField(label=_("Agency"), choices=Agency.choices)
    referred_on = forms.DateField(label=_("Referred on"), widget=DATE)
    reference = forms.CharField(label=_("Their reference"), required=False, max_length=100)
    response_due_on = forms.DateField(label=_("Response due by"), widget=DATE, required=False)


class ResponseForm(forms.Form):
    responded_on = forms.DateField(label=_("Responded on"), widget=DATE)
    outcome = forms.CharField(
        label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )


class CPFileForm(forms.Form):
    to_school_name = forms.CharField(label=_("Receiving school"), max_length=200)
    to_email = forms.EmailField(
        label=_("Receiving designated safeguarding lead's email"),
        help_text=_("They get a link, and a 6-digit code in a second email."),
    )
    to_urn = forms.CharField(
        label=_("Receiving school's URN (optional)"), max_length=6, required=False
    )
    attachments = forms.MultipleChoiceField(
        label=_("Files to include"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, files: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["attachments"].choices = [(str(f.pk), f.filename) for f in files]  # type: ignore[attr-defined]


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code"),
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
        help_text=_("It came in a separate email."),
    )


class ReceiptForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=200)
    role = forms.CharField(label=_("Your role"), max_length=200, initial="")
