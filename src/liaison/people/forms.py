"""Forms for households, guardians and students: all input is checked here, field by field."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from liaison.core import policy
from liaison.core.languages import LanguageField, LanguagesField
from liaison.core.validators import language_name, normalize_phone
from liaison.people.choices import Channel, Grade, Programme
from liaison.people.models import Guardian, Household, Site, Student, User


def sites_for(user):
    access = policy.access_for(user)
    sites = Site.objects.active().select_related("district")
    if access.superuser:
        return sites
    q = Q(district_id__in=access.admin_district_ids) | Q(id__in=access.site_ids)
    if access.is_liaison:
        q |= Q(district_id__in=access.district_ids)
    return sites.filter(q)


class HouseholdForm(forms.ModelForm):
    home_languages = LanguagesField(label=_("Home languages"), required=False)

    class Meta:
        model = Household
        fields = [
            "name",
            "site",
            "home_languages",
            "street",
            "unit",
            "city",
            "region",
            "postal_code",
            "notes",
        ]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites_for(user)


class GuardianForm(forms.ModelForm):
    preferred_language = LanguageField(label=_("Preferred language"), initial="en")
    preferred_channels = forms.MultipleChoiceField(
        label=_("Preferred channels"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Guardian
        fields = [
            "given_name",
            "family_name",
            "preferred_name",
            "relationship",
            "preferred_language",
            "phone",
            "alt_phone",
            "email",
            "alt_email",
            "preferred_channels",
            "contact_restricted",
            "contact_restriction_reason",
        ]
        widgets = {
            "contact_restriction_reason": forms.Textarea(attrs={"rows": 2}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "alt_phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        }

    def _phone(self, field):
        return normalize_phone(self.cleaned_data.get(field, ""))

    def clean_phone(self):
        return self._phone("phone")

    def clean_alt_phone(self):
        return self._phone("alt_phone")

    def clean(self):
        data = super().clean()
        if (
            data.get("contact_restricted")
            and not (data.get("contact_restriction_reason") or "").strip()
        ):
            self.add_error(
                "contact_restriction_reason", _("Say why contact is restricted (e.g. court order).")
            )
        if (
            "sms" in (data.get("preferred_channels") or [])
            and not data.get("phone")
            and "phone" not in self.errors
        ):
            self.add_error("phone", _("Text messages need a mobile phone number."))
        if (
            "email" in (data.get("preferred_channels") or [])
            and not data.get("email")
            and "email" not in self.errors
        ):
            self.add_error("email", _("Email needs an email address."))
        return data

    def validate_constraints(self, exclude=None):
        # The restriction-reason rule is reported on its field by clean() above.
        pass


class StudentForm(forms.ModelForm):
    site = forms.ModelChoiceField(
        label=_("Site"), queryset=Site.objects.none(), help_text=_("Where the child is enrolled.")
    )
    programmes = forms.MultipleChoiceField(
        label=_("Programs"),
        choices=Programme.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Student
        fields = ["given_name", "family_name", "preferred_name", "date_of_birth", "grade"]
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites_for(user)
        if self.instance.pk:
            current = self.instance.enrolments.filter(is_active=True).first()
            if current:
                self.fields["site"].initial = current.site_id
            self.fields["programmes"].initial = list(
                self.instance.programmes.values_list("programme", flat=True)
            )


class AssignForm(forms.Form):
    staff = forms.ModelChoiceField(label=_("Liaison"), queryset=User.objects.none())
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = User.objects.filter(pk__in=[u.pk for u in candidates])
        labels = {
            u.pk: f"{u} — {', '.join(u.language_names) or '—'} ({u.caseload})" for u in candidates
        }
        self.fields["staff"].label_from_instance = lambda u: labels.get(u.pk, str(u))


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you opening this family's record?"),
        min_length=5,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "This family is not on your caseload. Your reason is logged and visible to site leaders."
        ),
    )


CASELOAD_SORTS = [
    ("name", _("Name (A to Z)")),
    ("contact", _("Longest without contact first")),
    ("-contact", _("Most recent contact first")),
    ("open", _("Most open items first")),
]


def _both_names(tag: str) -> str:
    """'Spanish — español': the reader's name for the language and its own."""
    ours, own = language_name(tag), language_name(tag, tag)
    return ours if ours == own else f"{ours} — {own}"


class CaseloadFilterForm(forms.Form):
    """The caseload's sort and filters (GET): a bad value is reported on its field and ignored."""

    sort = forms.ChoiceField(label=_("Sort by"), choices=CASELOAD_SORTS, required=False)
    not_reached_days = forms.IntegerField(
        label=_("No two-way contact in the last … days"),
        required=False,
        min_value=1,
        max_value=3650,
        error_messages={
            "invalid": _("Enter a number of days, such as 30."),
            "min_value": _("Enter at least 1 day."),
            "max_value": _("Enter at most 3650 days (ten years)."),
        },
    )
    language = forms.ChoiceField(label=_("Language"), required=False)
    site = forms.ModelChoiceField(
        label=_("Site"),
        queryset=Site.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("Choose one of the sites in the list.")},
    )
    grade = forms.ChoiceField(label=_("Grade"), required=False)
    open_items = forms.BooleanField(label=_("Only families with open items"), required=False)
    risk_reason = forms.ChoiceField(label=_("At risk because"), required=False)

    def __init__(self, *args, sites, languages, reasons=(), **kwargs):
        """reasons: (key, label, how many of the list it flags) for each at-risk reason."""
        super().__init__(*args, **kwargs)
        self.fields["risk_reason"].choices = [
            ("", _("Any reason or none")),
            *(
                (key, _("%(reason)s (%(n)d)") % {"reason": label, "n": n})
                for key, label, n in reasons
            ),
        ]
        self.fields["site"].queryset = sites
        self.fields["language"].choices = [
            ("", _("Any language")),
            *sorted(((tag, _both_names(tag)) for tag in languages), key=lambda c: c[1]),
        ]
        self.fields["grade"].choices = [("", _("Any grade")), *Grade.choices]
        self.fields["sort"].choices = CASELOAD_SORTS
        for name in ("language", "grade", "sort", "risk_reason"):
            self.fields[name].error_messages["invalid_choice"] = _(
                "Choose one of the options in the list."
            )
        if not reasons:  # nobody flags families for this person (a teacher's list)
            del self.fields["risk_reason"]

    def filters(self) -> dict:
        """The valid filters only: a bad value leaves its filter off, the others still apply."""
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "", False)}
