"""Forms of the insights app."""

from django import forms
from django.utils.translation import gettext_lazy as _

from liaison.insights.models import AtRiskRules


class AtRiskRulesForm(forms.ModelForm):
    no_contact_days = forms.IntegerField(
        label=_("No two-way contact in this many days"),
        min_value=7,
        max_value=365,
        error_messages={
            "min_value": _("Use at least 7 days."),
            "max_value": _("Use at most 365 days."),
            "invalid": _("Give a whole number of days."),
        },
    )

    class Meta:
        model = AtRiskRules
        fields = ["no_contact_days", "flag_all_channels_failing", "flag_overdue_urgent_concerns"]
        labels = {
            "flag_all_channels_failing": _("Flag families whose every channel is failing"),
            "flag_overdue_urgent_concerns": _(
                "Flag families with an urgent concern past its target"
            ),
        }
