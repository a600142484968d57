"""Forms of the messaging app: all input is validated here, with a message on the field."""

import datetime as dt

from django import forms
from django.conf import settings
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from liaison.core import reads
from liaison.core.languages import LanguagesField
from liaison.language.templating import placeholders
from liaison.messaging.audiences import Audience
from liaison.messaging.choices import Channel, FailureReason
from liaison.messaging.registry import audience_sources
from liaison.messaging.saved_replies import PLACEHOLDERS
from liaison.people.choices import Grade, Programme


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )
    attachment = forms.FileField(label=_("Attachment"), required=False)
    send_at = forms.DateTimeField(
        label=_("Send later"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Empty: send now. Until then you can cancel it."),
        error_messages={"invalid": _("Enter a date and time, such as 2027-03-14 16:30.")},
    )
    saved_reply = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean_send_at(self):
        at = self.cleaned_data.get("send_at")
        if at is None:
            return None
        now = timezone.now()
        if at <= now:
            raise forms.ValidationError(_("Choose a time in the future, or leave it empty."))
        if at > now + dt.timedelta(days=366):
            raise forms.ValidationError(_("Choose a time within the next year."))
        return at

    def clean_body(self):
        body = self.cleaned_data["body"].strip()
        if not body:
            raise forms.ValidationError(_("Write a message."))
        return body

    def clean_attachment(self):
        f = self.cleaned_data.get("attachment")
        if f and f.size > settings.MESSAGING_MAX_ATTACHMENT_BYTES:
            raise forms.ValidationError(
                _("The file is too large (at most %(mb)s MB).")
                % {"mb": settings.MESSAGING_MAX_ATTACHMENT_BYTES // 1_000_000}
            )
        return f


class PlainSelect(forms.Select):
    """A select whose options are written here, not each through Django's option template (a
    district's hundred staff cost the thread page a few ms so). The same markup, every value
    escaped; no `required` attribute (asked only of fields that may be left empty)."""

    def use_required_attribute(self, initial) -> bool:
        return False

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = []
        for group, choices, _index in widget["optgroups"]:
            if group is not None:
                return super().render(name, value, attrs, renderer)
            for option in choices:
                options.append(
                    format_html(
                        '<option value="{}"{}>{}</option>',
                        option["value"] if option["value"] is not None else "",
                        flatatt(option["attrs"]),
                        option["label"],
                    )
                )
        return format_html(
            '<select name="{}"{}>\n  {}\n</select>',
            widget["name"],
            flatatt(widget["attrs"]),
            mark_safe("\n  ".join(options)),  # noqa: S308 (each option escaped above)
        )


class AssignForm(forms.Form):
    staff = forms.ModelChoiceField(
        label=_("Assign to"), queryset=None, required=False, widget=PlainSelect
    )

    def __init__(self, *args, candidates, offered=None, **kwargs):
        """`offered`: the candidates as read with the page's other reads (core/reads.py)."""
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = candidates
        if offered is not None:
            reads.offer(self.fields["staff"], offered)


class SwitchChannelForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("Send by"),
        choices=[(c.value, c.label) for c in (Channel.SMS, Channel.EMAIL, Channel.PORTAL)],
    )


class FailureGroupForm(forms.Form):
    """Which group of an announcement's failures an action is for (the page's buttons)."""

    reason = forms.ChoiceField(choices=FailureReason.choices)


class AnnouncementForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(
        label=_("Announcement"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000
    )
    sites = forms.ModelMultipleChoiceField(label=_("Sites"), queryset=None, required=False)
    grades = forms.MultipleChoiceField(label=_("Grades"), choices=Grade.choices, required=False)
    programmes = forms.MultipleChoiceField(
        label=_("Programs"), choices=Programme.choices, required=False
    )
    languages = LanguagesField(
        label=_("Languages"),
        required=False,
        help_text=_(
            "Type the languages' names, separated by commas, e.g. Spanish, Arabic. "
            "Empty: every language."
        ),
    )
    not_reached_days = forms.IntegerField(
        label=_("Only households not reached in the last … days"),
        required=False,
        min_value=1,
        max_value=3650,
    )
    saved = forms.ModelChoiceField(label=_("Saved list"), queryset=None, required=False)
    source = forms.ChoiceField(label=_("Other audience"), required=False)
    source_param = forms.CharField(label=_("Which one"), required=False, max_length=100)
    urgent = forms.BooleanField(
        label=_("Urgent (closure, safety): send even in quiet hours"), required=False
    )
    # Shown with the preview's count of families nothing can translate into (the template).
    hold_untranslated = forms.BooleanField(
        label=_("Hold these for a human translator"), required=False
    )
    send_at = forms.DateTimeField(
        label=_("Send at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Empty: send now."),
    )

    def __init__(self, *args, sites, saved, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sites"].queryset = sites
        self.fields["saved"].queryset = saved
        self.fields["source"].choices = [("", "—")] + [
            (s.name, s.label) for s in audience_sources().values()
        ]

    def clean_send_at(self):
        at = self.cleaned_data.get("send_at")
        if at and at < timezone.now():
            raise forms.ValidationError(_("Choose a time in the future."))
        return at

    def clean(self):
        data = super().clean()
        if data.get("source_param") and not data.get("source"):
            self.add_error("source", _("Choose which kind of audience this is."))
        return data

    def audience(self) -> Audience:
        d = self.cleaned_data
        return Audience(
            sites=[s.pk for s in d.get("sites") or []],
            grades=list(d.get("grades") or []),
            programmes=list(d.get("programmes") or []),
            languages=list(d.get("languages") or []),
            not_reached_days=d.get("not_reached_days"),
            saved=d["saved"].pk if d.get("saved") else None,
            source=d.get("source") or "",
            source_param=d.get("source_param") or "",
        )


class AttachForm(forms.Form):
    guardian = forms.ModelChoiceField(label=_("Guardian who sent it"), queryset=None)

    def __init__(self, *args, guardians, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["guardian"].queryset = guardians


class SavedReplyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        help_text=_(
            "You may use {guardian_name}, {school} and {liaison_name}: each is filled in for the "
            "family when the reply is inserted."
        ),
    )
    is_active = forms.BooleanField(
        label=_("Offer it in the composer"), required=False, initial=True
    )

    def clean_body(self):
        body = self.cleaned_data["body"].strip()
        if not body:
            raise forms.ValidationError(_("Write the reply's text."))
        unknown = [name for name in placeholders(body) if name not in PLACEHOLDERS]
        if unknown:
            raise forms.ValidationError(
                _(
                    "Unknown placeholder: %(names)s. Use {guardian_name}, {school} or {liaison_name}."
                )
                % {"names": ", ".join(f"{{{n}}}" for n in unknown)}
            )
        return body
