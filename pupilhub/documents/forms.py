"""Forms for the document pages, built per type from the registry."""

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import forms
from django.db import models

from .models import MeetingLog, Passport, Plan, Provision, SafeguardingIssue
from .registry import FILE, MEETING_LOG, PASSPORT, PLAN, PROVISION, SAFEGUARDING, DocType

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TARGET_ROWS = 5

FORM_FIELDS: dict[str, tuple[type[models.Model], list[str]]] = {
    PLAN.type: (
        Plan,
        ["plan_title", "start_date", "review_date", "status", "strategies", "confidential"],
    ),
    PROVISION.type: (
        Provision,
        [
            "name",
            "area_of_need",
            "provider",
            "frequency",
            "group_size",
            "start_date",
            "end_date",
            "entry_score",
            "exit_score",
            "notes",
            "confidential",
        ],
    ),
    PASSPORT.type: (
        Passport,
        ["passport_title", "about_me", "strengths", "needs", "what_helps", "what_does_not_help"],
    ),
    MEETING_LOG.type: (
        MeetingLog,
        ["date", "meeting_type", "attendees", "notes", "actions", "confidential"],
    ),
    SAFEGUARDING.type: (
        SafeguardingIssue,
        ["date", "category", "description", "actions_taken", "status"],
    ),
}


# Choices another app gives one field of a document type, per school (the safeguarding
# app: a concern's category comes from the school's list, never free text).
FIELD_CHOICES: dict[tuple[str, str], Any] = {}


def apply_choices(form: forms.BaseForm, dtype: DocType, school: Any) -> None:
    for (doc_type, name), choices in FIELD_CHOICES.items():
        if doc_type == dtype.type and name in form.fields:
            old = form.fields[name]
            form.fields[name] = forms.ChoiceField(
                label=old.label, choices=[("", "Choose one"), *choices(school)]
            )


def document_form(dtype: DocType, *, can_mark_confidential: bool) -> type[forms.ModelForm]:
    model, fields = FORM_FIELDS[dtype.type]
    if not can_mark_confidential:
        fields = [f for f in fields if f != "confidential"]
    widgets: dict[str, Any] = {
        f.name: DATE for f in model._meta.fields if isinstance(f, models.DateField)
    }
    form: type[forms.ModelForm] = forms.modelform_factory(model, fields=fields, widgets=widgets)
    if dtype is PLAN:
        form = type("PlanForm", (form, TargetsMixin), {})
    if dtype is PROVISION:
        form = type("ProvisionForm", (form, CostMixin), {})
    return form


class CostMixin(forms.BaseForm):
    """The cost in pounds and pence (£1.20), stored in whole pence."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)  # set by BaseModelForm before this runs
        pence = getattr(instance, "cost_pence", None)
        self.fields["cost"] = forms.DecimalField(
            label="Cost (£)",
            required=False,
            min_value=Decimal("0"),
            max_value=Decimal("1000000"),
            decimal_places=2,
            help_text="In pounds and pence, e.g. 120.50 for £120.50.",
            initial=None if pence is None else (Decimal(pence) / 100).quantize(Decimal("0.01")),
            widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        )
        order = list(self.fields)
        order.remove("cost")
        order.insert(order.index("start_date"), "cost")
        self.order_fields(order)

    def cost_pence(self) -> int:
        cost = self.cleaned_data.get("cost")
        return 0 if cost is None else int((cost * 100).to_integral_value(ROUND_HALF_UP))


class TargetsMixin(forms.BaseForm):
    """Five target rows; blank rows are ignored."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)  # set by BaseModelForm before this runs
        existing = list(getattr(instance, "targets", None) or [])
        for i in range(max(TARGET_ROWS, len(existing) + 1)):
            row = existing[i] if i < len(existing) else {}
            for key, label in (
                ("description", "Target"),
                ("success_criteria", "Success criteria"),
                ("outcome", "Outcome"),
            ):
                self.fields[f"target_{i}_{key}"] = forms.CharField(
                    label=f"{label} {i + 1}",
                    required=False,
                    initial=row.get(key, ""),
                    widget=forms.Textarea(attrs={"rows": 2})
                    if key != "outcome"
                    else forms.TextInput(),
                )

    def targets(self) -> list[dict[str, str]]:
        rows = []
        i = 0
        while f"target_{i}_description" in self.fields:
            row = {
                k: self.cleaned_data.get(f"target_{i}_{k}", "")
                for k in ("description", "success_criteria", "outcome")
            }
            if any(row.values()):
                rows.append(row)
            i += 1
        return rows


def to_api_data(dtype: DocType, form: forms.ModelForm) -> dict[str, Any]:
    """Form values keyed by API field names, as the actions take them."""
    by_attr = {attr: api for api, attr in dtype.fields.items()}
    data = {
        by_attr.get(k, k): v for k, v in form.cleaned_data.items() if not k.startswith("target_")
    }
    if isinstance(form, TargetsMixin):
        data["targets"] = form.targets()
    if isinstance(form, CostMixin):
        data.pop("cost", None)
        data["cost_pence"] = form.cost_pence()
    return data


class UploadForm(forms.Form):
    file = forms.FileField(
        help_text="PDF, images, Office documents or plain text; up to the size limit."
    )
    description = forms.CharField(max_length=500, required=False)


class ActionForm(forms.Form):
    text = forms.CharField(label="Action taken", widget=forms.Textarea(attrs={"rows": 3}))


__all__ = ["FILE", "ActionForm", "UploadForm", "document_form", "to_api_data"]
