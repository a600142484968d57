"""Forms of attendance's outreach pages: the at-risk list's filters."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from liaison.attendance.atrisk import REASONS, weights_of
from liaison.attendance.choices import Tier
from liaison.attendance.models import AttendanceRules
from liaison.people.models import Site


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
