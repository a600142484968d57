"""Forms of the roster pages: upload an import, merge and split households."""

from django import forms
from django.utils.translation import gettext_lazy as _

from liaison.people.models import Guardian, Household, Student
from liaison.roster.choices import RunKind

MAX_UPLOAD = 512 * 1024 * 1024


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What is it?"), choices=RunKind.choices, initial=RunKind.ONEROSTER
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "OneRoster: the .zip your student information system exports. Households: a .csv file."
        ),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run: report what would change, change nothing"), required=False
    )

    def clean(self):
        data = super().clean()
        upload, kind = data.get("file"), data.get("kind")
        if upload and upload.size > MAX_UPLOAD:
            self.add_error("file", _("The file is larger than 512 MB."))
        elif upload and kind == RunKind.ONEROSTER and not upload.name.lower().endswith(".zip"):
            self.add_error("file", _("A OneRoster bundle is a .zip file."))
        elif upload and kind == RunKind.HOUSEHOLDS and not upload.name.lower().endswith(".csv"):
            self.add_error("file", _("The households import takes a .csv file (see the template)."))
        return data


class MergeForm(forms.Form):
    merge = forms.ModelChoiceField(
        label=_("Household to merge into this one"),
        queryset=Household.objects.none(),
        help_text=_("Its guardians and students move here; it stays as an inactive record."),
    )

    def __init__(self, *args, household: Household, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["merge"].queryset = Household.objects.filter(
            district_id=household.district_id, is_active=True
        ).exclude(pk=household.pk)


class SplitForm(forms.Form):
    name = forms.CharField(label=_("Name of the new household"), max_length=200)
    guardians = forms.ModelMultipleChoiceField(
        label=_("Guardians who move"),
        queryset=Guardian.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    students = forms.ModelMultipleChoiceField(
        label=_("Students who move"),
        queryset=Student.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, household: Household, **kwargs):
        super().__init__(*args, **kwargs)
        self.household = household
        self.fields["guardians"].queryset = household.guardians.all()
        self.fields["students"].queryset = household.students.all()

    def clean(self):
        data = super().clean()
        g, s = data.get("guardians") or [], data.get("students") or []
        if not g and not s:
            self.add_error("guardians", _("Choose at least one person to move."))
        elif (
            len(g) == self.household.guardians.count() and len(s) == self.household.students.count()
        ):
            self.add_error("guardians", _("Leave at least one person in this household."))
        return data
