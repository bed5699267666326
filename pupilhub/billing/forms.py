from django import forms
from django.utils.translation import gettext_lazy as _


class QuoteForm(forms.Form):
    activation_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty for today.",
    )
    invoice_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        label="Annual invoice date",
        help_text="Leave empty for the next 1 April (or the subscription's next invoice date).",
    )


class ActivateForm(forms.Form):
    activation_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    invoice_date = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}), label="First annual invoice date"
    )
    po_number = forms.CharField(required=False, max_length=40, label=_("Purchase-order number"))


class PriceForm(forms.Form):
    price_pounds = forms.DecimalField(
        min_value=0,
        max_value=1000,
        decimal_places=2,
        label=_("Price per pupil a year (£)"),
        help_text=_("In pounds and pence, for example 0.50."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )

    def pence(self) -> int:
        return int(self.cleaned_data["price_pounds"] * 100)


class ActivationRequestForm(forms.Form):
    invoice_date = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        label=_("Annual invoice date"),
        help_text=_("Leave empty for the next 1 April."),
    )
    po_number = forms.CharField(
        required=False,
        max_length=40,
        label=_("Purchase-order number (optional)"),
        help_text=_("Printed on every invoice, for your finance office."),
    )


class PoNumberForm(forms.Form):
    po_number = forms.CharField(
        required=False,
        max_length=40,
        label=_("Purchase-order number"),
        help_text=_("Printed on the invoices raised from now on. Leave empty for none."),
    )
