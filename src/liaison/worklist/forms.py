"""The worklist's forms: every value a task takes is checked here."""

import datetime as dt
from typing import Any, NamedTuple

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liaison.core.db import Compiled
from liaison.people.models import Membership

MAX_AHEAD = dt.timedelta(days=366)


class DateInput(forms.DateInput):
    input_type = "date"


def _later_day(day: dt.date | None, *, allow_today: bool) -> dt.date | None:
    today = timezone.localdate()
    if day is None:
        return day
    if day < today or (day == today and not allow_today):
        raise forms.ValidationError(
            _("Choose today or a later day.") if allow_today else _("Choose a day after today.")
        )
    if day > today + MAX_AHEAD:
        raise forms.ValidationError(_("Choose a day within a year."))
    return day


class CompleteForm(forms.Form):
    outcome = forms.CharField(
        label=_("Outcome"),
        max_length=2000,
        help_text=_("What came of it, in a few words."),
    )


class SnoozeForm(forms.Form):
    until = forms.DateField(label=_("Snooze until"), widget=DateInput())

    def clean_until(self) -> dt.date | None:
        return _later_day(self.cleaned_data.get("until"), allow_today=False)


def colleagues(user: Any) -> Any:
    """Active staff of the districts this person works in: whom a task may be handed to."""
    return _colleagues_of(user.pk)


def _colleagues_of(pk: int) -> Any:
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__is_active=True,
            memberships__district__in=Membership.objects.filter(user_id=pk, is_active=True).values(
                "district_id"
            ),
        )
        .exclude(pk=pk)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


class Colleague(NamedTuple):
    username: str
    name: str  # their full name, else their username


_colleague_rows = Compiled(
    lambda pk: _colleagues_of(pk).values_list("username", "first_name", "last_name")
)


def colleague_list(user: Any) -> list[Colleague]:
    """colleagues(user) as the page's list of them shows them (compiled once: read on every
    Today that holds a task)."""
    return [
        Colleague(username, f"{first} {last}".strip() or username)
        for username, first, last in _colleague_rows.rows(user.pk)
    ]


class ReassignForm(forms.Form):
    # A colleague's username, typed or picked from the page's one list of colleagues.
    owner: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None,
        label=_("Hand to"),
        to_field_name="username",
        error_messages={"invalid_choice": _("Choose a colleague from the list.")},
    )

    def __init__(self, *args: Any, user: Any, choices: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["owner"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = choices if choices is not None else colleagues(user)


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=300)
    due_on = forms.DateField(label=_("Due"), widget=DateInput())

    def clean_due_on(self) -> dt.date | None:
        return _later_day(self.cleaned_data.get("due_on"), allow_today=True)
