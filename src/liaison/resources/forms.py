"""Forms of the resources app: every value typed is checked here, with the message on its field."""

from django import forms
from django.utils.translation import gettext_lazy as _

from liaison.core.languages import LanguageField
from liaison.resources.choices import ReferralStatus
from liaison.resources.models import Organization, Referral, Service, TaxonomyTerm


class SearchForm(forms.Form):
    q = forms.CharField(label=_("What does the family need?"), required=False, max_length=100)
    need = forms.ModelChoiceField(
        label=_("Need"),
        queryset=TaxonomyTerm.objects.all(),
        required=False,
        empty_label=_("Any need"),
    )
    language = LanguageField(label=_("Language spoken"), required=False)
    free = forms.BooleanField(label=_("Free only"), required=False)
    age = forms.IntegerField(label=_("Age"), min_value=0, max_value=120, required=False)
    open_now = forms.BooleanField(label=_("Open now"), required=False)

    def query_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "text": data.get("q") or "",
            "needs": (data["need"].pk,) if data.get("need") else (),
            "languages": (data["language"],) if data.get("language") else (),
            "cost": "free" if data.get("free") else "",
            "age": data.get("age"),
            "open_now": bool(data.get("open_now")),
        }

    @property
    def has_query(self) -> bool:
        return any(
            self.cleaned_data.get(k) not in (None, "", False)
            for k in ("q", "need", "language", "free", "age", "open_now")
        )


class ServiceForm(forms.ModelForm):
    organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=Organization.objects.all()
    )

    class Meta:
        model = Service
        fields = [
            "organization",
            "name",
            "description",
            "status",
            "url",
            "email",
            "eligibility_description",
            "minimum_age",
            "maximum_age",
            "fees_description",
            "cost",
            "application_process",
            "alert",
            "local_notes",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "eligibility_description": forms.Textarea(attrs={"rows": 2}),
            "fees_description": forms.Textarea(attrs={"rows": 2}),
            "application_process": forms.Textarea(attrs={"rows": 2}),
            "alert": forms.Textarea(attrs={"rows": 2}),
            "local_notes": forms.Textarea(attrs={"rows": 3}),
        }

    def clean(self):
        data = super().clean()
        lo, hi = data.get("minimum_age"), data.get("maximum_age")
        if lo is not None and hi is not None and lo > hi:
            self.add_error("maximum_age", _("The maximum age is below the minimum age."))
        return data


class ReferralForm(forms.ModelForm):
    class Meta:
        model = Referral
        fields = ["need", "consent_given", "consent_note", "shared_data", "follow_up_on"]
        widgets = {"follow_up_on": forms.DateInput(attrs={"type": "date"})}

    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, service=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["need"].queryset = TaxonomyTerm.objects.all()
        self.fields["need"].required = False

    def clean(self):
        data = super().clean()
        if data.get("shared_data") and not data.get("consent_given"):
            self.add_error("shared_data", _("Share the family's details only with their consent."))
        if data.get("consent_given") and not data.get("consent_note"):
            self.add_error("consent_note", _("Say how the family gave consent (e.g. by phone)."))
        return data


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=ReferralStatus.choices)
    note = forms.CharField(
        label=_("Note or outcome"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    follow_up_on = forms.DateField(
        label=_("Next follow-up"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, referral=None, **kwargs):
        super().__init__(*args, **kwargs)
        from liaison.resources.choices import TRANSITIONS

        allowed = TRANSITIONS.get(referral.status, set()) if referral else set()
        self.fields["status"].choices = [c for c in ReferralStatus.choices if c[0] in allowed]


class UnmetNeedForm(forms.Form):
    need = forms.ModelChoiceField(
        label=_("Need"), queryset=TaxonomyTerm.objects.all(), required=False
    )
    description = forms.CharField(
        label=_("What the family needs"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    searched_for = forms.CharField(required=False, widget=forms.HiddenInput, max_length=200)
