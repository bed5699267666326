from django import forms

from .models import LIMITS

HELP = {
    "deleted_documents_days": (
        "Deleted records",
        "Days a deleted record (and its file) can still be restored before it is removed.",
    ),
    "print_runs_days": ("Printed report runs", "Days a combined report PDF is kept."),
    "sent_mail_days": (
        "Sent email",
        "Days the school keeps who each message went to; the message itself stays.",
    ),
    "leavers_years": (
        "Leavers' records",
        "Years from the date of birth. The IRMS toolkit advises 25 for SEN and "
        "child-protection files (31 for some EHC records).",
    ),
}


class RetentionForm(forms.Form):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for name, (_default, low, high) in LIMITS.items():
            label, help_text = HELP[name]
            self.fields[name] = forms.IntegerField(
                label=label, help_text=help_text, min_value=low, max_value=high
            )
