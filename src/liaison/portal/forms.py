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
        label=_("Do not send me school announcements"), required=False
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
