"""Districts, sites, households, guardians, students, staff, memberships and caseloads."""

import datetime as dt
import zoneinfo
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, StringAgg, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liaison.core.kept import KeptWrites
from liaison.core.models import NameField, TrackedModel
from liaison.core.policy.cache import scopes_changed, touches_scope
from liaison.core.validators import (
    language_name,
    validate_e164,
    validate_language_tag,
    validate_time_zone,
)
from liaison.people.choices import (
    AssignmentRole,
    Channel,
    Grade,
    Programme,
    Relationship,
    Role,
    SiteKind,
)


class PostalAddress(models.Model):
    street = models.CharField(_("street"), max_length=200, blank=True)
    unit = models.CharField(_("apartment or unit"), max_length=50, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    region = models.CharField(_("state"), max_length=50, blank=True)
    postal_code = models.CharField(_("ZIP code"), max_length=20, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def address_lines(self) -> list[str]:
        first = " ".join(p for p in [self.street, self.unit] if p)
        second = " ".join(
            p
            for p in [
                self.city + ("," if self.city and self.region else ""),
                self.region,
                self.postal_code,
            ]
            if p
        )
        return [line for line in [first, second] if line]

    @property
    def address_text(self) -> str:
        return ", ".join(self.address_lines)


def default_district_time_zone() -> str:
    """A new district starts in the installation's zone (LIAISON_TIME_ZONE), not New York's."""
    return settings.TIME_ZONE


class ScopeWrites(KeptWrites):
    """Bulk writes to a table the access policy's scopes read (who sees which family): they send
    no model signal, so they drop the kept scope sets themselves (core.policy.cache), and, as
    KeptWrites, make the kept parts that show these tables stale (a guardian renamed by an import
    shows at once on a kept search or caseload, whose scope version only follows who sees whom)."""

    def _wrote(self, fields: Any = None) -> None:
        if touches_scope(self.model._meta.label, fields):
            scopes_changed()

    def update(self, **kwargs: Any) -> int:
        done = super().update(**kwargs)
        self._wrote(kwargs)
        return done

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> Any:
        made = super().bulk_create(objs, *args, **kwargs)
        self._wrote()
        return made

    def bulk_update(self, objs: Any, fields: Any, *args: Any, **kwargs: Any) -> int:
        done = super().bulk_update(objs, fields, *args, **kwargs)
        self._wrote(fields)
        return done


class District(TrackedModel):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name"), unique=True)
    sourced_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=default_district_time_zone,
        validators=[validate_time_zone],
    )
    contact_phone = models.CharField(
        _("family contact line"), max_length=20, blank=True, validators=[validate_e164]
    )
    contact_email = models.EmailField(_("family contact email"), blank=True)
    default_language = models.CharField(
        _("staff language"), max_length=35, default="en", validators=[validate_language_tag]
    )
    quiet_hours_start = models.TimeField(_("quiet hours start"), default=dt.time(20, 0))
    quiet_hours_end = models.TimeField(_("quiet hours end"), default=dt.time(8, 0))
    # How long a message waits for a channel that is not answering (the mail server or the SMS
    # gateway down) before it is marked failed.
    delivery_horizon_hours = models.PositiveSmallIntegerField(
        _("hours a message waits for a channel that is down"),
        default=48,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 14)],
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class SiteQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Site(TrackedModel, PostalAddress):
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="sites")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=32, choices=SiteKind.choices, default=SiteKind.SCHOOL
    )
    sourced_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True, validators=[validate_time_zone]
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_e164])
    is_active = models.BooleanField(_("active"), default=True)

    objects = SiteQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone or self.district.time_zone)


class UserQuerySet(models.QuerySet):
    def staff_of(self, district):
        return self.filter(
            memberships__district=district, memberships__is_active=True, is_active=True
        ).distinct()

    def with_memberships(self):
        """Each person with their active memberships read along, as `membership_rows`
        ("district:site:role", comma-separated; "" for none): the access policy reads a signed-in
        person's roles from it (core.policy.scopes) instead of a query of its own on every page."""
        row = Concat(
            Cast("district_id", models.CharField()),
            Value(":"),
            Coalesce(Cast("site_id", models.CharField()), Value("")),
            Value(":"),
            "role",
            output_field=models.CharField(),
        )
        rows = (
            Membership.objects.filter(user=models.OuterRef("pk"), is_active=True)
            .order_by()
            .values("user")
            .annotate(rows=StringAgg(row, Value(",")))
            .values("rows")
        )
        return self.annotate(
            membership_rows=Coalesce(
                models.Subquery(rows), Value(""), output_field=models.TextField()
            )
        )


class StaffManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """A member of staff. Families never have a User: they sign in to the portal without a password."""

    first_name = NameField(_("first name"), max_length=150, blank=True)
    last_name = NameField(_("last name"), max_length=150, blank=True)

    phone = models.CharField(
        _("mobile phone"), max_length=20, blank=True, validators=[validate_e164]
    )
    title = models.CharField(_("job title"), max_length=120, blank=True)
    languages = models.JSONField(
        _("languages spoken"),
        default=list,
        blank=True,
        help_text=_("BCP 47 tags, e.g. es, so, zh-Hans"),
    )
    interface_language = models.CharField(
        _("interface language"),
        max_length=35,
        blank=True,
        default="",
        help_text=_("The language of the staff pages for this person; blank follows the browser."),
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True, validators=[validate_time_zone]
    )
    notify_channel = models.CharField(
        _("reminders by"), max_length=10, choices=Channel.choices, default=Channel.EMAIL
    )
    photo = models.FileField(_("photo"), upload_to="staff/", blank=True)
    sourced_id = models.CharField(max_length=255, unique=True, null=True, blank=True)

    objects = StaffManager()

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def language_names(self) -> list[str]:
        return [language_name(tag) for tag in self.languages]


class Membership(TrackedModel):
    """A role a staff member holds at a site, or across the district when no site is set."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="memberships")
    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopeWrites.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "district", "site", "role"],
                name="membership_unique_site",
                condition=Q(site__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["user", "district", "role"],
                name="membership_unique_district",
                condition=Q(site__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} @ {self.site or self.district}"


class HouseholdQuerySet(ScopeWrites):
    def visible_to(self, user):
        from liaison.core import policy

        return self.filter(policy.household_filter(user))

    def active(self):
        return self.filter(is_active=True)

    def of_sites(self, site_ids):
        """Households served by these sites: the home site, or a child enrolled there."""
        site_ids = list(site_ids)
        enrolled = Enrolment.objects.filter(
            student__household_id=models.OuterRef("pk"), site_id__in=site_ids, is_active=True
        )
        return self.filter(Q(site_id__in=site_ids) | Q(models.Exists(enrolled)))

    def with_labels(self, *, children: bool = True):
        """What the household label shows (people's `household_label` tag): the active guardians
        and children, fetched once for the whole list (two queries, whatever its length)."""
        return self.prefetch_related(*household_label_prefetches(children=children))

    def in_caseload_of(self, user):
        return self.filter(
            assignments__staff=user,
            assignments__role=AssignmentRole.LIAISON,
            assignments__ended_on__isnull=True,
        )


def household_label_prefetches(path: str = "", *, children: bool = True) -> list:
    """The prefetches of the household label for households at `path` ("" for a Household
    queryset, "household" for rows that point at one): `label_guardians`, `label_students`."""
    prefix = f"{path}__" if path else ""
    found = [
        models.Prefetch(
            f"{prefix}guardians",
            queryset=Guardian.objects.filter(is_active=True).order_by(
                "family_name", "given_name", "pk"
            ),
            to_attr="label_guardians",
        )
    ]
    if children:
        found.append(
            models.Prefetch(
                f"{prefix}students",
                queryset=Student.objects.filter(is_active=True).order_by("given_name", "pk"),
                to_attr="label_students",
            )
        )
    return found


class Household(TrackedModel, PostalAddress):
    kept_household = "pk"  # its own kept pages (core/kept.py)
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="households")
    name = NameField(
        _("household name"),
        max_length=200,
        help_text=_("How staff refer to the family, e.g. “Nguyen – Tran household”."),
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="households",
        verbose_name=_("home site"),
        help_text=_("The site that serves the family, when no child is enrolled yet."),
    )
    home_languages = models.JSONField(_("home languages"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Households formed by a roster import carry the key of the rule that formed them;
    # one arranged by hand (merged or split) keeps its shape across later imports.
    source_key = models.CharField(max_length=255, blank=True, db_index=True)
    arranged_by_hand = models.BooleanField(default=False)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["district", "is_active"])]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("people:household", args=[self.pk])

    @property
    def home_language_names(self) -> list[str]:
        return [language_name(tag) for tag in self.home_languages]

    @property
    def primary_language(self) -> str:
        return self.home_languages[0] if self.home_languages else "en"


class GuardianQuerySet(ScopeWrites):
    def visible_to(self, user):
        from liaison.core import policy

        return self.filter(policy.guardian_filter(user))

    def active(self):
        return self.filter(is_active=True)

    def reachable(self):
        """Guardians who may be sent messages: active and under no contact restriction."""
        return self.filter(is_active=True, contact_restricted=False)


class Guardian(TrackedModel):
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="guardians")
    given_name = NameField(_("given name"), max_length=100)
    family_name = NameField(_("family name"), max_length=100)
    preferred_name = NameField(_("goes by"), max_length=100, blank=True)
    relationship = models.CharField(
        _("relationship"), max_length=32, choices=Relationship.choices, default=Relationship.PARENT
    )
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=35,
        default="en",
        validators=[validate_language_tag],
        help_text=_("A language tag such as es, ar, so, zh-Hans, ht."),
    )
    phone = models.CharField(
        _("mobile phone"), max_length=20, blank=True, validators=[validate_e164]
    )
    alt_phone = models.CharField(
        _("other phone"), max_length=20, blank=True, validators=[validate_e164]
    )
    email = models.EmailField(_("email"), blank=True)
    alt_email = models.EmailField(_("other email"), blank=True)
    preferred_channels = models.JSONField(
        _("preferred channels"),
        default=list,
        blank=True,
        help_text=_("In order of preference: sms, email, portal."),
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True, validators=[validate_time_zone]
    )
    contact_restricted = models.BooleanField(
        _("contact restriction"),
        default=False,
        help_text=_(
            "A court order or no-contact instruction: this guardian never receives messages or data."
        ),
    )
    contact_restriction_reason = models.TextField(_("reason for the restriction"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sourced_id = models.CharField(max_length=255, unique=True, null=True, blank=True)

    objects = GuardianQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(contact_restricted=False) | ~Q(contact_restriction_reason=""),
                name="guardian_restriction_has_reason",
                violation_error_message=_("Say why contact is restricted."),
            ),
        ]

    def __str__(self):
        return self.full_name

    def get_absolute_url(self):
        return reverse("people:guardian", args=[self.pk])

    @property
    def full_name(self) -> str:
        given = self.preferred_name or self.given_name
        return f"{given} {self.family_name}".strip()

    @property
    def language_name(self) -> str:
        return language_name(self.preferred_language)

    @property
    def preferred_channel_names(self) -> list[str]:
        """The preferred channels in words ("Text message", "Email")."""
        names = dict(Channel.choices)
        return [str(names.get(c, c)) for c in self.preferred_channels]

    @property
    def channels(self) -> list[str]:
        """Channels to try, in order: the guardian's preference, then what we have an address for."""
        have = {
            Channel.SMS: bool(self.phone),
            Channel.EMAIL: bool(self.email),
            Channel.PORTAL: True,
        }
        order = [c for c in self.preferred_channels if c in have] or [
            Channel.SMS,
            Channel.EMAIL,
            Channel.PORTAL,
        ]
        return [c for c in order if have.get(c)]

    def zone(self) -> zoneinfo.ZoneInfo:
        if self.time_zone:
            return zoneinfo.ZoneInfo(self.time_zone)
        site = self.household.site
        if site is not None:
            return site.zone
        return zoneinfo.ZoneInfo(self.household.district.time_zone)


class StudentQuerySet(ScopeWrites):
    def visible_to(self, user):
        from liaison.core import policy

        return self.filter(policy.student_filter(user))

    def active(self):
        return self.filter(is_active=True)


class Student(TrackedModel):
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="students")
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, null=True, blank=True, related_name="students"
    )
    given_name = NameField(_("given name"), max_length=100)
    family_name = NameField(_("family name"), max_length=100)
    preferred_name = NameField(_("goes by"), max_length=100, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=8, choices=Grade.choices, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sourced_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    guardians = models.ManyToManyField(Guardian, through="GuardianStudent", related_name="students")

    objects = StudentQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name"]

    def __str__(self):
        return self.full_name

    def get_absolute_url(self):
        return reverse("people:student", args=[self.pk])

    @property
    def full_name(self) -> str:
        given = self.preferred_name or self.given_name
        return f"{given} {self.family_name}".strip()


class Enrolment(TrackedModel):
    # The household whose kept pages show this row (core/kept.py: a save draws its version).
    kept_household = "student.household_id"
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="enrolments")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="enrolments")
    starts_on = models.DateField(_("from"), default=timezone.localdate)
    ends_on = models.DateField(_("until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sourced_id = models.CharField(max_length=255, unique=True, null=True, blank=True)

    objects = ScopeWrites.as_manager()

    class Meta:
        indexes = [models.Index(fields=["site", "is_active"])]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "site"],
                condition=Q(is_active=True),
                name="one_active_enrolment_per_site",
            ),
        ]

    def __str__(self):
        return f"{self.student} @ {self.site}"


class StudentProgramme(TrackedModel):
    # The household whose kept pages show this row (core/kept.py: a save draws its version).
    kept_household = "student.household_id"
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="programmes")
    programme = models.CharField(_("programme"), max_length=32, choices=Programme.choices)
    starts_on = models.DateField(_("from"), null=True, blank=True)
    ends_on = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["student", "programme"], name="student_programme_unique"
            )
        ]
        indexes = [models.Index(fields=["programme", "student"])]

    def __str__(self):
        return self.get_programme_display()


class GuardianStudent(TrackedModel):
    # The household whose kept pages show this row (core/kept.py: a save draws its version).
    kept_household = "guardian.household_id"
    guardian = models.ForeignKey(Guardian, on_delete=models.CASCADE, related_name="student_links")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="guardian_links")
    relationship = models.CharField(
        _("relationship"), max_length=32, choices=Relationship.choices, default=Relationship.PARENT
    )
    lives_with = models.BooleanField(_("lives with the student"), default=True)
    educational_rights = models.BooleanField(_("holds educational rights"), default=True)
    emergency_contact = models.BooleanField(_("emergency contact"), default=False)
    may_receive_communications = models.BooleanField(
        _("may receive school communications"), default=True
    )

    objects = ScopeWrites.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["guardian", "student"], name="guardian_student_unique")
        ]

    def __str__(self):
        return f"{self.guardian} → {self.student}"


class ClassSection(TrackedModel):
    """A class a teacher teaches (OneRoster `class`): the policy lets teachers see their students' families."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="class_sections")
    title = models.CharField(_("title"), max_length=200)
    course_code = models.CharField(_("course code"), max_length=64, blank=True)
    sourced_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    is_active = models.BooleanField(default=True)
    teachers = models.ManyToManyField(User, related_name="class_sections", blank=True)
    students = models.ManyToManyField(Student, related_name="class_sections", blank=True)

    objects = ScopeWrites.as_manager()

    def __str__(self):
        return self.title


class AssignmentQuerySet(ScopeWrites):
    def current(self):
        today = timezone.localdate()
        return self.filter(Q(ended_on__isnull=True) | Q(ended_on__gte=today), started_on__lte=today)


class HouseholdAssignment(TrackedModel):
    """A household on a liaison's caseload, or assigned to an interpreter."""

    staff = models.ForeignKey(User, on_delete=models.CASCADE, related_name="household_assignments")
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="assignments")
    role = models.CharField(
        _("as"), max_length=16, choices=AssignmentRole.choices, default=AssignmentRole.LIAISON
    )
    started_on = models.DateField(_("from"), default=timezone.localdate)
    ended_on = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "household", "role"],
                condition=Q(ended_on__isnull=True),
                name="one_open_assignment",
            ),
        ]
        indexes = [models.Index(fields=["household", "role"])]

    def __str__(self):
        return f"{self.staff} — {self.household} ({self.get_role_display()})"


class SearchTerm(models.Model):
    """One normalised word by which a household can be found (a member's name, phone digits, email)."""

    # No index of its own: searchterm_unique (household, term) leads with it, and a second index
    # on ~10 terms per household is written on every import for nothing.
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="search_terms", db_index=False
    )
    term = models.CharField(max_length=64)
    district_id_copy = models.BigIntegerField(db_column="district_id")

    class Meta:
        indexes = [
            models.Index(fields=["district_id_copy", "term"], name="searchterm_district_term")
        ]
        constraints = [
            models.UniqueConstraint(fields=["household", "term"], name="searchterm_unique")
        ]

    def __str__(self):
        return self.term
