from django import forms
from django.utils.translation import gettext_lazy as _

from .actions import LEAVER_FLOOR
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
        "Years from the date of birth, at least 6. The IRMS toolkit advises 25 for SEN and "
        "child-protection files (31 for some EHC records).",
    ),
}


class RetentionForm(forms.Form):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for name, (_default, low, high) in LIMITS.items():
            label, help_text = HELP[name]
            field = forms.IntegerField(
                label=label, help_text=help_text, min_value=low, max_value=high
            )
            if name == "leavers_years":
                field.error_messages["min_value"] = LEAVER_FLOOR
            self.fields[name] = field
        self.fields["confirm"] = forms.CharField(
            required=False,
            max_length=12,
            label=_("Type the number of leavers whose records will be removed"),
            widget=forms.HiddenInput,  # shown only when a change would remove records
        )

    def ask_to_confirm(self) -> None:
        self.fields["confirm"].widget = forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off"}
        )
