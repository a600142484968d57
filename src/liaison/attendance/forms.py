"""Forms of the attendance pages: upload an attendance or calendar file; the district's
attendance rules, in percentages and days."""

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from liaison.attendance.choices import ImportMode
from liaison.attendance.models import AttendanceRules

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


if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

DAYS = _("days")


def _whole(
    label: "StrOrPromise", low: int, high: int, unit: "StrOrPromise" = DAYS
) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        error_messages={
            "min_value": _("Use at least %(limit_value)s."),
            "max_value": _("Use at most %(limit_value)s."),
            "invalid": _("Give a whole number."),
            "required": _("Give a number."),
        },
        help_text=unit,
    )


class AttendanceRulesForm(forms.Form):
    chronic_percent = _whole(
        _("Chronically absent (Tier 2) at this share of days missed"), 1, 50, "%"
    )
    intensive_percent = _whole(
        _("Intensive support (Tier 3) at this share of days missed"), 2, 100, "%"
    )
    chronic_min_days = _whole(_("Days enrolled before absence is judged"), 1, 60)
    pace_month_1 = _whole(_("Early-warning pace: days absent by the end of the first month"), 1, 30)
    pace_month_2 = _whole(_("… by the end of the second month"), 1, 60)
    pace_month_3 = _whole(_("… by the end of the third month"), 1, 90)
    consecutive_unexcused_intensive = _whole(
        _("Intensive support after this many unexcused days absent in a row"), 1, 30
    )
    no_improvement_weeks = _whole(
        _("Intensive support after this many weeks of support without improvement"),
        1,
        26,
        _("weeks"),
    )
    partial_day_percent = _whole(
        _("A partial day or early departure counts as this much of a day absent"), 0, 100, "%"
    )

    def __init__(self, data: Any = None, *, rules: AttendanceRules) -> None:
        self.rules = rules
        pace = rules.pace
        initial = {
            "chronic_percent": int(Decimal(rules.chronic_share) * 100),
            "intensive_percent": int(Decimal(rules.intensive_share) * 100),
            "chronic_min_days": rules.chronic_min_days,
            "pace_month_1": pace[0],
            "pace_month_2": pace[1],
            "pace_month_3": pace[2],
            "consecutive_unexcused_intensive": rules.consecutive_unexcused_intensive,
            "no_improvement_weeks": rules.no_improvement_weeks,
            "partial_day_percent": int(Decimal(rules.partial_day_absent) * 100),
        }
        super().__init__(data, initial=initial)

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        low, high = data.get("chronic_percent"), data.get("intensive_percent")
        if low is not None and high is not None and high <= low:
            self.add_error(
                "intensive_percent",
                _("Intensive support must start above the chronic absence share (%(low)s%%).")
                % {"low": low},
            )
        pace = [data.get(f"pace_month_{i}") for i in (1, 2, 3)]
        if None not in pace and not (pace[0] <= pace[1] <= pace[2]):  # type: ignore[operator]
            self.add_error(
                "pace_month_3",
                _("The pace cannot go down from one month to the next (%(pace)s).")
                % {"pace": ", ".join(str(p) for p in pace)},
            )
        return data

    def apply(self) -> AttendanceRules:
        """The rules with the form's numbers (not saved)."""
        data = self.cleaned_data
        rules = self.rules
        rules.chronic_share = Decimal(data["chronic_percent"]) / 100
        rules.intensive_share = Decimal(data["intensive_percent"]) / 100
        rules.chronic_min_days = data["chronic_min_days"]
        rules.early_pace = [data[f"pace_month_{i}"] for i in (1, 2, 3)]
        rules.consecutive_unexcused_intensive = data["consecutive_unexcused_intensive"]
        rules.no_improvement_weeks = data["no_improvement_weeks"]
        rules.partial_day_absent = Decimal(data["partial_day_percent"]) / 100
        return rules
