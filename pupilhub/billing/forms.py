from django import forms


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


class PriceForm(forms.Form):
    price_per_pupil_pence = forms.IntegerField(
        min_value=0, max_value=100_000, label="Price per pupil a year (pence)"
    )
