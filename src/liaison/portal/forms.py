"""Forms of the family portal: every input checked here, with a message on the field."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from liaison.people.choices import Channel
from liaison.portal import services


class SignInForm(forms.Form):
    contact = forms.CharField(
        label=_("Your mobile phone number or email address"),
        help_text=_("Use the number or email address the school has for you."),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "inputmode": "email"}),
    )

    def clean_contact(self):
        try:
            return services.parse_destination(self.cleaned_data["contact"])
        except ValidationError:
            raise ValidationError(
                _("Enter a mobile phone number (with area code) or an email address."),
                code="invalid",
            ) from None


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Six-digit code"),
        regex=r"^\s*\d{3}\s?\d{3}\s*$",
        max_length=8,
        error_messages={"invalid": _("The code has six digits.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"}
        ),
    )
    remember = forms.BooleanField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["remember"].label = remember_label()


class RememberForm(forms.Form):
    remember = forms.BooleanField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["remember"].label = remember_label()


def remember_label():
    days = settings.LIAISON_PORTAL_REMEMBER_DAYS
    return _("Remember this device for %(days)s days") % {"days": days}


def language_choices():
    from django.utils.translation import get_language_info

    return [(code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES]


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=pgettext_lazy("family portal", "Language"), choices=language_choices
    )


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language for messages and this site"), choices=language_choices
    )
    channels = forms.MultipleChoiceField(
        label=_("How the school may reach me"),
        choices=[
            (Channel.SMS, pgettext_lazy("family portal", "Text message")),
            (Channel.EMAIL, pgettext_lazy("family portal", "Email")),
            (Channel.PORTAL, pgettext_lazy("family portal", "This website")),
        ],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one way to reach you.")},
    )
    quiet_hours_start = forms.TimeField(
        label=_("No messages from"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    quiet_hours_end = forms.TimeField(
        label=_("No messages until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    opt_out_announcements = forms.BooleanField(
        label=_("Do not send me school announcements"),
        help_text=_("Urgent notices, such as a school closure, still reach you."),
        required=False,
    )
    opt_out_events = forms.BooleanField(label=_("Do not send me event invitations"), required=False)
    opt_out_reminders = forms.BooleanField(label=_("Do not send me reminders"), required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("quiet_hours_start"), data.get("quiet_hours_end")
        if (start is None) != (end is None) and not self.errors:
            field = "quiet_hours_end" if start else "quiet_hours_start"
            self.add_error(field, _("Give both the start and the end of your quiet hours."))
        return data


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write your reply first.")},
    )
    attachment = forms.FileField(
        label=_("Add a photo or document (optional)"),
        required=False,
    )

    def clean_body(self):
        body = self.cleaned_data["body"].strip()
        if not body:
            raise ValidationError(_("Write your reply first."), code="required")
        return body

    def clean_attachment(self):
        file = self.cleaned_data.get("attachment")
        if file and file.size > settings.MESSAGING_MAX_ATTACHMENT_BYTES:
            raise ValidationError(
                _("This file is too large. Send one under %(mb)s MB.")
                % {"mb": settings.MESSAGING_MAX_ATTACHMENT_BYTES // 1_000_000},
                code="too_large",
            )
        return file


# --- events ------------------------------------------------------------------------------------


def interpreter_choices():
    """Languages by their own names (readable whatever the page's language), none first."""
    return [("", _("No interpreter needed")), *language_choices()]


class RsvpForm(forms.Form):
    """The family's answer to an invitation, in the portal's words (events.services.respond)."""

    answer = forms.ChoiceField(
        label=_("Will you come?"),
        choices=[
            ("yes", pgettext_lazy("family portal", "Yes")),
            ("no", pgettext_lazy("family portal", "No")),
            ("maybe", pgettext_lazy("family portal", "Maybe")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose yes, no or maybe.")},
    )
    party_size = forms.IntegerField(
        label=_("How many people will come, with you?"),
        min_value=1,
        initial=1,
        error_messages={"invalid": _("Write a number of people, for example 2.")},
    )
    interpreter_language = forms.ChoiceField(
        label=_("I would like an interpreter for"), choices=interpreter_choices, required=False
    )
    childcare_ages = forms.CharField(
        label=_("Childcare: ages of the children who need it"),
        help_text=_("For example: 3, 5. Leave empty if you do not need childcare."),
        required=False,
        max_length=60,
    )
    needs_transport = forms.BooleanField(label=_("We need a ride"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        most = settings.EVENTS_MAX_PARTY
        field = self.fields["party_size"]
        field.validators.append(_max_people(most))
        field.widget.attrs.update({"max": most, "inputmode": "numeric"})
        field.error_messages["min_value"] = _("At least 1 person.")

    def clean_childcare_ages(self):
        ages = []
        for part in self.cleaned_data["childcare_ages"].replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit() or not 0 <= int(part) <= 17:
                raise ValidationError(
                    _("Write each age in years from 0 to 17, for example: 3, 5."), code="invalid"
                )
            ages.append(int(part))
        return ages


def _max_people(most: int):
    def check(value):
        if value is not None and value > most:
            raise ValidationError(
                _("At most %(n)s people. Call the school for a larger group.") % {"n": most},
                code="max_value",
            )

    return check


# --- finding help ------------------------------------------------------------------------------


# The directory's need words (resources.needs) with the family's words for them.
NEEDS = [
    ("food", _("Food")),
    ("housing", _("Housing")),
    ("health", _("Health care")),
    ("counseling", _("Counseling")),
    ("clothing", _("Clothing")),
    ("employment", _("Jobs")),
    ("childcare", _("Childcare")),
    ("transportation", _("Transportation")),
    ("utilities", _("Bills: electricity, gas, water")),
    ("legal", _("Legal help")),
    ("immigration", _("Immigration")),
]


class HelpSearchForm(forms.Form):
    need = forms.ChoiceField(
        label=_("What do you need?"),
        choices=[("", _("Choose a need")), *NEEDS],
        required=False,
    )
    q = forms.CharField(
        label=_("Or type a word"),
        help_text=_("In your language or in English, for example: food bank."),
        required=False,
        max_length=100,
    )

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("need") and not (data.get("q") or "").strip():
            raise ValidationError(_("Choose a need or type a word."), code="required")
        return data

    def search_text(self) -> str:
        data = self.cleaned_data
        return " ".join(p for p in [data.get("need") or "", (data.get("q") or "").strip()] if p)


# --- concerns ----------------------------------------------------------------------------------


# Ways to reach the family, and the words the liaison reads on the concern (in English).
REACH = [
    ("call", _("Call me"), "Phone call"),
    ("text", _("Send me a text message"), "Text message"),
    ("email", _("Email me"), "Email"),
    ("portal", _("Answer me on this website"), "Family portal"),
]


class ConcernForm(forms.Form):
    category = forms.ChoiceField(
        label=_("What is it about?"),
        error_messages={"required": _("Choose what it is about.")},
    )
    description = forms.CharField(
        label=_("Tell us what happened"),
        help_text=_("Write in your own language. Only the school staff who help you will read it."),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Tell us what happened.")},
    )
    children = forms.MultipleChoiceField(
        label=_("Which child is it about? (optional)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose among your children.")},
    )
    about = forms.ChoiceField(
        label=_("Who is it about? (optional)"),
        required=False,
        help_text=_(
            "If it is about someone at school, choose them: they will not see what you write."
        ),
        error_messages={"invalid_choice": _("Choose among the people listed.")},
    )
    reach = forms.ChoiceField(
        label=_("How should we reach you?"),
        choices=[(code, label) for code, label, _staff in REACH],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how we should reach you.")},
    )
    reach_note = forms.CharField(
        label=_("Best time or number to reach you (optional)"), required=False, max_length=120
    )

    def __init__(self, *args, categories=(), children=(), staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("Choose one")), *categories]
        # The staff the family knows, by name only (no role, school or contact details).
        self._staff = {str(person.pk): person for person in staff}
        self.fields["about"].choices = [
            ("", _("Nobody in particular")),
            *(
                (pk, person.get_full_name() or person.get_username())
                for pk, person in self._staff.items()
            ),
        ]
        if not self._staff:
            del self.fields["about"]
        self._children = {str(child.pk): child for child in children}
        self.fields["children"].choices = [
            (pk, child.preferred_name or child.given_name) for pk, child in self._children.items()
        ]
        if len(self._children) < 2:  # one child (or none): nothing to choose
            del self.fields["children"]

    def chosen_staff(self):
        """The member of staff the family says it is about, or None."""
        return self._staff.get(self.cleaned_data.get("about") or "")

    def chosen_children(self) -> list:
        return [self._children[pk] for pk in self.cleaned_data.get("children", [])]

    def clean_description(self):
        text = self.cleaned_data["description"].strip()
        if not text:
            raise ValidationError(_("Tell us what happened."), code="required")
        return text

    def contact_preference(self) -> str:
        """What the liaison reads: the way chosen, in English, and the family's own note."""
        staff = {code: words for code, _label, words in REACH}[self.cleaned_data["reach"]]
        note = self.cleaned_data.get("reach_note", "").strip()
        return f"{staff}: {note}"[:200] if note else staff
