"""Forms of the attendance pages: upload an attendance or calendar file; the district's
attendance rules, in percentages and days; the school's attendance message."""

from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from liaison.attendance.atrisk import REASONS, weights_of
from liaison.attendance.choices import ImportMode, Tier
from liaison.attendance.models import AttendanceRules
from liaison.core.languages import language_label
from liaison.people.models import Site

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

DAYS = _("school days")


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


class AtRiskFilterForm(forms.Form):
    """Which students the list shows: a school, a tier, one family (a drill-down from Today)."""

    site = forms.ModelChoiceField(
        queryset=Site.objects.none(), required=False, label=_("School"), empty_label=_("All")
    )
    tier = forms.TypedChoiceField(
        choices=[("", _("Tier 2 and 3"))] + [(t.value, t.label) for t in Tier],
        coerce=int,
        required=False,
        empty_value=None,
        label=_("Tier"),
    )
    household = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, sites: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        site_field = self.fields["site"]
        assert isinstance(site_field, forms.ModelChoiceField)
        site_field.queryset = sites

    def param(self) -> str:
        """The filters as one string, for "start outreach" (the announcement's audience source)."""
        data = self.cleaned_data if self.is_valid() else {}
        site = data.get("site")
        return f"{site.pk if site else ''}:{data.get('tier') or ''}"


class OutreachRulesForm(forms.ModelForm):  # type: ignore[type-arg]
    """The district's proof-of-outreach numbers and the at-risk score's points per reason."""

    unreachable_min_attempts = forms.IntegerField(
        label=_("Attempts, each on another day, before a family may be called unreachable"),
        min_value=1,
        max_value=10,
    )
    unreachable_min_modes = forms.IntegerField(
        label=_(
            "Different ways of reaching them (text, call, email, home visit, letter, in person)"
        ),
        min_value=1,
        max_value=6,
    )

    class Meta:
        model = AttendanceRules
        fields = ["unreachable_min_attempts", "unreachable_min_modes"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        chosen = weights_of(self.instance)
        for code, label in REASONS.items():
            self.fields[f"weight_{code}"] = forms.IntegerField(
                label=_("Points: %(reason)s") % {"reason": label},
                min_value=0,
                max_value=100,
                initial=chosen[code],
                help_text=_("0 leaves the reason out of the score."),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        attempts, modes = data.get("unreachable_min_attempts"), data.get("unreachable_min_modes")
        if attempts and modes and modes > attempts:
            self.add_error(
                "unreachable_min_modes",
                _("Ask for no more ways than attempts: each attempt is made one way."),
            )
        return data

    def save(self, commit: bool = True) -> AttendanceRules:
        rules: AttendanceRules = super().save(commit=False)
        rules.weights = {code: self.cleaned_data[f"weight_{code}"] for code in REASONS}
        if commit:
            rules.save()
        return rules


class AttendanceMessageForm(forms.Form):
    """Which families the school's attendance message is previewed for, and in which family
    language besides English."""

    school = forms.TypedChoiceField(
        label=_("Families of"), required=False, coerce=int, empty_value=None
    )
    language = forms.ChoiceField(label=_("Also show it in"), required=False)

    def __init__(self, *args: Any, sites: list[Site], whole_district: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        whole: list[tuple[Any, Any]] = [("", _("Every school of the district"))]
        school = cast(forms.TypedChoiceField, self.fields["school"])
        school.choices = (whole if whole_district else []) + [
            (site.pk, site.name) for site in sites
        ]
        cast(forms.ChoiceField, self.fields["language"]).choices = [
            (code, language_label(code)) for code, _name in settings.LANGUAGES if code != "en"
        ]


class SendAttendanceMessageForm(AttendanceMessageForm):
    confirm = forms.BooleanField(
        label=_("I have read the message and want it sent to these families now."),
        error_messages={
            "required": _(
                "Tick the box to confirm that the message should go to these families; "
                "nothing was sent."
            )
        },
    )
