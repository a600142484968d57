"""Forms of attendance's outreach pages: the at-risk list's filters."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from liaison.attendance.choices import Tier
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
