from django import forms

from pupilhub.schools.models import School

from .models import Cluster

TYPE_CHOICES = [
    ("plans", "Plans"),
    ("provisions", "Provisions"),
    ("passports", "Passports"),
    ("meeting_logs", "Meeting logs"),
    ("files", "Files"),
    ("safeguarding_issues", "Safeguarding issues"),
]


class ClusterForm(forms.Form):
    name = forms.CharField(max_length=200, label="Cluster name")


class SchoolChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """Schools named so two of the same name can be told apart: name, postcode and URN."""

    def label_from_instance(self, obj: School) -> str:  # type: ignore[override]
        label = f"{obj.name}, {obj.postcode}"
        return f"{label} (URN {obj.urn})" if obj.urn else label


class MemberForm(forms.Form):
    cluster = forms.ModelChoiceField(queryset=Cluster.objects.all())
    school = SchoolChoiceField(queryset=School.objects.order_by("name", "postcode"))


def types_field(can_safeguard: bool) -> forms.MultipleChoiceField:
    choices = [c for c in TYPE_CHOICES if can_safeguard or c[0] != "safeguarding_issues"]
    return forms.MultipleChoiceField(
        choices=choices,
        widget=forms.CheckboxSelectMultiple,
        initial=["plans", "provisions", "passports", "meeting_logs", "files"],
        label="Document types",
    )


class ClusterRequestForm(forms.Form):
    name = forms.CharField(max_length=200, label="Cluster name", help_text='e.g. "North Oxford"')
    schools = forms.CharField(
        label="Schools to include",
        help_text="One a line: the school's name, then its postcode "
        '(e.g. "St Mary\'s Primary, OX4 1AB"). Include this school.',
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    note = forms.CharField(
        required=False,
        label="Anything the operator should know",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
