"""Forms of the events app: every field the user types is validated here, with a message on it."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from liaison.core.languages import LanguageField, LanguagesField
from liaison.events import recurrence
from liaison.events.choices import Answer, Repeat
from liaison.events.models import Event, Group, GroupAsk
from liaison.events.services import occurrences

REPEAT_FIELDS = ("repeat", "repeat_every", "repeat_on", "repeat_until", "repeat_times")

LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class EventForm(forms.ModelForm):
    starts_at = forms.DateTimeField(label=_("Starts"), widget=LOCAL)
    ends_at = forms.DateTimeField(label=_("Ends"), widget=LOCAL)
    language = LanguageField(label=_("Written in"), initial="en")
    interpretation = LanguagesField(label=_("Interpretation offered in"), required=False)
    repeat = forms.ChoiceField(label=_("Repeats"), choices=Repeat.choices, required=False)
    repeat_every = forms.IntegerField(
        label=_("Every how many days, weeks or months"),
        min_value=1,
        max_value=12,
        initial=1,
        required=False,
        help_text=_("1: every week (or day, or month); 2: every other one."),
    )
    repeat_on = forms.MultipleChoiceField(
        label=_("On these days (weekly)"),
        choices=recurrence.weekday_choices,  # called per form: names in the reader's language
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("None ticked: the day the event starts."),
    )
    repeat_until = forms.DateField(
        label=_("Until (last day)"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        required=False,
    )
    repeat_times = forms.IntegerField(
        label=_("Or a number of times"), min_value=2, max_value=200, required=False
    )

    class Meta:
        model = Event
        fields = FIELDS = [
            "kind",
            "title",
            "description",
            "language",
            "site",
            "group",
            "starts_at",
            "ends_at",
            "repeat",
            "repeat_every",
            "repeat_on",
            "repeat_until",
            "repeat_times",
            "place",
            "video_url",
            "capacity",
            "interpretation",
            "childcare_offered",
            "transport_offered",
        ]
        labels = {"site": _("Site"), "group": _("Group")}

    field_order = Meta.FIELDS

    def __init__(self, *args, sites, groups, district, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.district = district
        self.fields["site"].queryset = sites
        self.fields["group"].queryset = groups
        self.fields["group"].required = False
        self.fields["description"].widget.attrs["rows"] = 4
        if editing:
            for name in REPEAT_FIELDS:
                del self.fields[name]
        if self.instance.pk:
            zone = self.instance.zone
            self.initial["starts_at"] = self.instance.starts_at.astimezone(zone).replace(
                tzinfo=None
            )
            self.initial["ends_at"] = self.instance.ends_at.astimezone(zone).replace(tzinfo=None)
            self.initial["interpretation"] = list(self.instance.interpretation)

    def _zone(self):
        import zoneinfo

        site = self.cleaned_data.get("site")
        return site.zone if site else zoneinfo.ZoneInfo(self.district.time_zone)

    def clean(self):
        data = super().clean()
        zone = self._zone()
        for name in ("starts_at", "ends_at"):
            value = data.get(name)
            if value is not None:
                # The time typed is wall-clock time at the event's site.
                data[name] = value.replace(tzinfo=None).replace(tzinfo=zone)
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", _("The event must end after it starts."))
        if not data.get("place") and not data.get("video_url"):
            self.add_error("place", _("Give a place or a video link."))
        if "repeat" in self.fields:
            rule = self._rule(data)
            if rule and start:
                try:
                    occurrences(starts_at=start, rule=rule, zone=zone)
                except ValidationError as exc:
                    self.add_error("repeat", exc)
            data["recurrence"] = rule
        for name in REPEAT_FIELDS:
            data.pop(name, None)
        return data

    def _rule(self, data) -> str:
        """The RRULE the repeat fields describe ("" when the event does not repeat)."""
        frequency = data.get("repeat") or ""
        if not frequency:
            return ""
        until, times = data.get("repeat_until"), data.get("repeat_times")
        if not until and not times and "repeat_until" not in self.errors:
            self.add_error("repeat_until", _("Say when it stops: a last day or a number of times."))
            return ""
        start = data.get("starts_at")
        if until and start and until < start.date():
            self.add_error("repeat_until", _("The last day must be after the first."))
            return ""
        return recurrence.build_rule(
            frequency=frequency,
            interval=data.get("repeat_every"),
            weekdays=data.get("repeat_on") or [],
            until=until,
            count=None if until else times,
        )

    def _post_clean(self):
        # create_event/update_event validate the model; here only the form's own checks.
        pass


class InviteForm(forms.Form):
    AUDIENCES = [
        ("site", _("Families with a child at the event's school")),
        ("caseload", _("My caseload")),
        ("group", _("Members of the event's committee")),
    ]
    audience = forms.ChoiceField(label=_("Who"), choices=AUDIENCES, widget=forms.RadioSelect)
    language = LanguageField(
        label=_("Only families who speak"),
        required=False,
        help_text=_("Optional: type the language's name, e.g. Somali."),
    )


class RsvpForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Coming?"),
        choices=[(Answer.YES, _("Yes")), (Answer.NO, _("No")), (Answer.MAYBE, _("Maybe"))],
        widget=forms.RadioSelect,
    )
    party_size = forms.IntegerField(
        label=_("How many people"), min_value=1, max_value=12, initial=1
    )
    interpreter_language = LanguageField(
        label=_("Interpreter needed for"),
        required=False,
        help_text=_("Type the language's name, e.g. Somali. Leave empty if none."),
    )
    childcare_ages = forms.CharField(
        label=_("Childcare: ages of the children"),
        required=False,
        help_text=_("e.g. 3, 5"),
    )
    needs_transport = forms.BooleanField(label=_("We need a ride"), required=False)

    def clean_childcare_ages(self):
        raw = self.cleaned_data["childcare_ages"]
        ages = []
        for part in raw.replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            if not part.isdigit() or not 0 <= int(part) <= 17:
                raise ValidationError(_("Write ages in years between 0 and 17, e.g. 3, 5."))
            ages.append(int(part))
        return ages


class CheckInForm(forms.Form):
    token = forms.CharField(label=_("Scan the QR code or type its code"), max_length=80, strip=True)


class KioskLeaveForm(forms.Form):
    password = forms.CharField(
        label=_("Password of the staff member who opened the kiosk"),
        max_length=200,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class WalkInForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    party_size = forms.IntegerField(
        label=_("How many people"), min_value=1, max_value=30, initial=1
    )


class SlotsForm(forms.Form):
    first = forms.DateTimeField(label=_("First slot starts"), widget=LOCAL)
    last = forms.DateTimeField(label=_("Last slot ends"), widget=LOCAL)
    minutes = forms.IntegerField(
        label=_("Minutes per slot"), min_value=5, max_value=120, initial=15
    )

    def __init__(self, *args, zone, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone

    def clean(self):
        data = super().clean()
        for name in ("first", "last"):
            if data.get(name):
                data[name] = data[name].replace(tzinfo=None).replace(tzinfo=self.zone)
        if data.get("first") and data.get("last") and data["last"] <= data["first"]:
            self.add_error("last", _("The last slot must end after the first starts."))
        if (
            data.get("first")
            and data.get("last")
            and data["last"] - data["first"] > dt.timedelta(hours=12)
        ):
            self.add_error("last", _("At most twelve hours of slots at once."))
        return data


class GroupForm(forms.ModelForm):
    language = LanguageField(label=_("Language of the group"), required=False)

    class Meta:
        model = Group
        fields = ["name", "kind", "site", "language", "purpose"]
        labels = {"site": _("Site")}

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites


class AskForm(forms.ModelForm):
    class Meta:
        model = GroupAsk
        fields = ["text", "meeting", "status", "response"]
        labels = {"meeting": _("Meeting")}

    def __init__(self, *args, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = meetings
        self.fields["text"].widget.attrs["rows"] = 3
        self.fields["response"].widget.attrs["rows"] = 3


class MinutesForm(forms.ModelForm):
    class Meta:
        model = Event
        fields = ["minutes"]
