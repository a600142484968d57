"""Forms of the attendance pages: upload an attendance or calendar file."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from liaison.attendance.choices import ImportMode

MAX_UPLOAD = 512 * 1024 * 1024


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "A .csv of attendance events or of the school calendar (see the templates); "
            "Liaison tells them apart by their first line."
        ),
    )
    mode = forms.ChoiceField(
        label=_("An attendance file holds"),
        choices=ImportMode.choices,
        initial=ImportMode.DAYS,
        widget=forms.RadioSelect,
        help_text=_("A calendar file always replaces the days it lists."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 512 MB."))
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError(
                _("Attendance and calendars are imported from a .csv file (see the templates).")
            )
        return upload
