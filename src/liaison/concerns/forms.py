"""Forms of the concerns app: every input is validated here, with a message on the field."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liaison.concerns.choices import (
    CLOSE_NEEDS_OUTCOME,
    ClosedReason,
    Satisfaction,
    Source,
    Status,
    Urgency,
)
from liaison.concerns.models import ConcernCategory, Contact, MediationMeeting
from liaison.core import reads
from liaison.core.languages import LanguageField
from liaison.people.choices import Role
from liaison.people.models import User

# Who may be named on a meeting or own its follow-up: every role but the interpreter's.
WORKING_ROLES = [r for r in Role.values if r != Role.INTERPRETER]


def staff_choices(district, roles=(Role.LIAISON, Role.SITE_LEADER, Role.DISTRICT_ADMIN)):
    return (
        User.objects.filter(
            memberships__district=district,
            memberships__is_active=True,
            memberships__role__in=roles,
            is_active=True,
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def format_value(self, value):
        if hasattr(value, "strftime"):
            value = timezone.localtime(value) if timezone.is_aware(value) else value
            return value.strftime("%Y-%m-%dT%H:%M")
        return value


class DateInput(forms.DateInput):
    input_type = "date"


class ConcernForm(forms.Form):
    category = forms.ModelChoiceField(queryset=ConcernCategory.objects.none(), label=_("Category"))
    students = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple, label=_("About")
    )
    guardian = forms.ModelChoiceField(queryset=None, required=False, label=_("Raised by"))
    source = forms.ChoiceField(
        choices=[c for c in Source.choices if c[0] != Source.PORTAL], label=_("How it came in")
    )
    urgency = forms.ChoiceField(choices=Urgency.choices, initial=Urgency.NORMAL, label=_("Urgency"))
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}), label=_("What the family said, in their words")
    )
    language = LanguageField(label=_("Language of the description"))
    contact_preference = forms.CharField(
        max_length=200, required=False, label=_("How to reach the family")
    )
    subject_staff = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label=_("About a member of staff (optional)"),
        help_text=_(
            "The person named never sees this concern; it goes to the liaison team and "
            "the site leader (the district, if it is about the site leader)."
        ),
    )
    assign_to_me = forms.BooleanField(required=False, initial=True, label=_("Assign to me"))

    def __init__(self, *args, household, students, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = ConcernCategory.objects.filter(
            district_id=household.district_id, is_active=True
        )
        self.fields["students"].queryset = students
        self.fields["subject_staff"].queryset = staff_choices(
            household.district_id, roles=Role.values
        )
        self.fields["guardian"].queryset = household.guardians.filter(is_active=True)
        self.fields["language"].initial = household.primary_language


class FromMessageForm(forms.Form):
    category = forms.ModelChoiceField(queryset=ConcernCategory.objects.none(), label=_("Category"))
    # Empty: the district's table says (bullying or safety is high and due the next school day).
    urgency = forms.ChoiceField(
        choices=[("", _("As the district sets it for the category")), *Urgency.choices],
        required=False,
        label=_("Urgency"),
    )
    assign_to_me = forms.BooleanField(
        required=False,
        initial=True,
        label=_("Assign to me"),
        help_text=_("Otherwise it goes to the family's liaison, or their school's liaison team."),
    )

    def __init__(self, *args, household, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = ConcernCategory.objects.filter(
            district_id=household.district_id, is_active=True
        )


class ConcernEditForm(forms.Form):
    category = forms.ModelChoiceField(queryset=ConcernCategory.objects.none(), label=_("Category"))
    urgency = forms.ChoiceField(choices=Urgency.choices, label=_("Urgency"))

    def __init__(self, *args, concern, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = ConcernCategory.objects.filter(
            district_id=concern.district_id
        )


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices, label=_("New status"))
    outcome = forms.CharField(max_length=200, required=False, label=_("Outcome"))
    closed_reason = forms.ChoiceField(
        choices=[("", "—"), *ClosedReason.choices],
        required=False,
        label=_("Closed without an outcome because"),
        help_text=_("When closing: give the outcome above, or choose why there is none."),
    )
    resolution_summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Resolution summary")
    )

    def __init__(self, *args, current_outcome="", **kwargs):
        super().__init__(*args, **kwargs)
        self.current_outcome = current_outcome

    def clean(self):
        data = super().clean()
        outcome = (data.get("outcome") or "").strip()
        if (
            data.get("status") == Status.CLOSED
            and not outcome
            and not self.current_outcome
            and not data.get("closed_reason")
        ):
            self.add_error("outcome", CLOSE_NEEDS_OUTCOME)
        return data


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(queryset=None, label=_("Assign to"))

    def __init__(self, *args, district, subject_staff_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The person a concern is about is never offered (nor accepted) as its assignee.
        self.fields["assignee"].queryset = staff_choices(district).exclude(pk=subject_staff_id)


class NoteForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("Note"))
    restricted = forms.BooleanField(
        required=False,
        label=_("Confidential: only the assignee, site leaders and district admins can read it"),
    )


class SatisfactionForm(forms.Form):
    answer = forms.ChoiceField(
        choices=Satisfaction.choices, widget=forms.RadioSelect, label=_("Family's answer")
    )
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Their comment")
    )


class MeetingForm(forms.ModelForm):
    language = LanguageField(label=_("Language of the meeting"))

    class Meta:
        model = MediationMeeting
        fields = [
            "starts_at",
            "place",
            "language",
            "interpreter",
            "guardians",
            "staff",
            "agenda",
            "agreements",
        ]
        widgets = {
            "starts_at": DateTimeInput(),
            "guardians": forms.CheckboxSelectMultiple,
            "staff": forms.CheckboxSelectMultiple,
            "agenda": forms.Textarea(attrs={"rows": 3}),
            "agreements": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, concern, staff_read=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["guardians"].queryset = concern.household.guardians.filter(is_active=True)
        self.fields["staff"].queryset = staff_choices(concern.district, roles=WORKING_ROLES)
        if staff_read is not None:
            _offer(self.fields["staff"], staff_read)
        self.fields["interpreter"].queryset = staff_choices(
            concern.district, roles=[Role.INTERPRETER]
        )
        if not self.instance.pk:
            self.fields["language"].initial = concern.language


class FollowUpActionForm(forms.Form):
    description = forms.CharField(max_length=300, label=_("Action"))
    owner = forms.ModelChoiceField(queryset=None, label=_("Owner"))
    due_on = forms.DateField(widget=DateInput, label=_("Due"))

    def __init__(self, *args, district, staff_read=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff_choices(district, roles=WORKING_ROLES)
        if staff_read is not None:
            _offer(self.fields["owner"], staff_read)


def _offer(field: forms.ModelChoiceField, rows) -> None:
    """Show these rows, already read (or a reads.later() list, read with the page's other reads
    when the form is drawn), as the field's choices; its queryset still checks what is sent (a
    ModelChoiceField would read its queryset again to list them)."""
    reads.offer(field, rows)


class ContactForm(forms.ModelForm):
    """The short form on the household page: what happened, with whom, what next."""

    language = LanguageField(label=_("Language"), required=False)

    class Meta:
        model = Contact
        fields = [
            "kind",
            "guardian",
            "purpose",
            "result",
            "outcome",
            "duration_minutes",
            "at",
            "language",
            "interpreter",
            "concern",
            "next_step",
            "follow_up_on",
        ]
        widgets = {
            "at": DateTimeInput(),
            "outcome": forms.Textarea(attrs={"rows": 2}),
            "follow_up_on": DateInput(),
        }

    def __init__(self, *args, household, concerns, concerns_read=None, **kwargs):
        """`concerns`: the open concerns one may pick (a queryset, which checks the answer);
        `concerns_read`: the same rows when the page has read them already (the household
        page's panel lists them), so the choices cost no query of their own."""
        super().__init__(*args, **kwargs)
        self.fields["guardian"].queryset = household.guardians.filter(is_active=True)
        # Offered from the household's guardians (prefetched on the household page).
        _offer(self.fields["guardian"], [g for g in household.guardians.all() if g.is_active])
        self.fields["concern"].queryset = concerns
        if concerns_read is not None:
            _offer(self.fields["concern"], concerns_read)
        self.fields["interpreter"].queryset = staff_choices(
            household.district, roles=[Role.INTERPRETER]
        )
        _offer(self.fields["interpreter"], reads.later(self.fields["interpreter"].queryset))
        self.fields["at"].initial = timezone.now
        self.fields["kind"].initial = "call"

    def clean_at(self):
        at = self.cleaned_data["at"]
        if at and at > timezone.now() + timezone.timedelta(minutes=5):
            raise forms.ValidationError(_("A contact cannot be in the future."))
        return at

    def clean_follow_up_on(self):
        day = self.cleaned_data.get("follow_up_on")
        if day and day < timezone.localdate():
            raise forms.ValidationError(_("Choose today or a later day."))
        return day


class ReassignAllForm(forms.Form):
    from_user = forms.ModelChoiceField(queryset=None, label=_("Away"))
    to_user = forms.ModelChoiceField(queryset=None, label=_("Hand their open concerns to"))

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_user"].queryset = staff
        self.fields["to_user"].queryset = staff

    def clean(self):
        data = super().clean()
        if data.get("from_user") and data.get("from_user") == data.get("to_user"):
            self.add_error("to_user", _("Choose someone else."))
        return data


class CategoryForm(forms.ModelForm):
    class Meta:
        model = ConcernCategory
        fields = ["label", "order", "is_active"]


class CategoryTriageForm(forms.ModelForm):
    """One row of the district's triage table: what a family's concern of this kind is."""

    due_school_days = forms.IntegerField(
        min_value=1, max_value=20, required=False, label=_("Due in (school days)")
    )

    class Meta:
        model = ConcernCategory
        fields = ["urgency", "due_school_days"]


# Only the district's own rows, none added here (a category is added by its own form).
CategoryTriageFormSet = forms.modelformset_factory(
    ConcernCategory, form=CategoryTriageForm, extra=0, edit_only=True
)


class NewCategoryForm(forms.Form):
    label = forms.CharField(max_length=100, label=_("New category"))
