"""Forms of the audit app: producing a family's record, erasing it, changing contact details."""

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from liaison.audit.record_words import pdf_languages
from liaison.core.validators import language_name, normalize_phone


class ExportForm(forms.Form):
    recipient = forms.CharField(
        label=_("Who asked for the record"),
        max_length=300,
        help_text=_("The parent, guardian or eligible student the record is for."),
    )
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=500,
        initial=_("Family's request to inspect their record"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    language = forms.ChoiceField(
        required=False,  # left out: the one offered first (the family's, else the reader's)
        label=_("Language of the readable copy"),
        help_text=_(
            "The PDF is written in this language; the JSON file beside it keeps the codes for "
            "machines."
        ),
    )

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        offered = pdf_languages()
        field = self.fields["language"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(code, language_name(code)) for code in offered]
        # The family's own language when the record can be written in it (the household's first
        # home language, else its guardians' in the order they were added), else the reader's.
        spoken = [tag.split("-")[0].lower() for tag in household.home_languages or []]
        spoken += [
            g.preferred_language.split("-")[0].lower()
            for g in household.guardians.order_by("pk")
            if g.preferred_language
        ]
        mine = (translation.get_language() or "en").split("-")[0]
        field.initial = next((code for code in [*spoken, mine] if code in offered), "en")

    def clean_language(self) -> str:
        return self.cleaned_data.get("language") or str(self.fields["language"].initial)


class EraseForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this family's record erased?"),
        max_length=500,
        min_length=5,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm_name = forms.CharField(label=_("Type the household's name to confirm"), max_length=200)

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        self.household = household

    def clean_confirm_name(self):
        value = self.cleaned_data["confirm_name"].strip()
        if value != self.household.name:
            raise forms.ValidationError(_("This is not the household's name."))
        return value


class ContactDetailsForm(forms.Form):
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(
        label=_("Mobile phone"),
        required=False,
        max_length=20,
        help_text=_("With the area code, e.g. 617 555 0123, or +country code for abroad."),
    )

    def clean_phone(self):
        return normalize_phone(self.cleaned_data["phone"])
