"""Operations on families and staff: set up a district, edit, assign to caseloads, merge and split households."""

from dataclasses import dataclass

from allauth.mfa.adapter import get_adapter as mfa_adapter
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from liaison.core import policy
from liaison.core.i18n import base_language
from liaison.core.validators import normalize_phone, validate_time_zone
from liaison.people.choices import AssignmentRole, Role, SiteKind
from liaison.people.models import (
    District,
    Enrolment,
    Guardian,
    Household,
    HouseholdAssignment,
    Membership,
    Site,
    Student,
    StudentProgramme,
    User,
)
from liaison.people.search import reindex


@transaction.atomic
def save_student(*, student: Student, site, programmes: list[str], by: User) -> Student:
    """Save a student with their current enrolment site and programmes."""
    student.save()
    if site is not None:
        current = student.enrolments.filter(is_active=True)
        if not current.filter(site=site).exists():
            current.update(is_active=False, ends_on=timezone.localdate())
            Enrolment.objects.create(student=student, site=site)
    StudentProgramme.objects.filter(student=student).exclude(programme__in=programmes).delete()
    have = set(student.programmes.values_list("programme", flat=True))
    StudentProgramme.objects.bulk_create(
        [
            StudentProgramme(student=student, programme=p, created_by=by, updated_by=by)
            for p in programmes
            if p not in have
        ]
    )
    return student


def suggest_liaisons(household: Household):
    """Liaisons who may take this family, those who speak its languages first, then the least loaded."""
    site_ids = set(
        Enrolment.objects.filter(student__household=household, is_active=True).values_list(
            "site_id", flat=True
        )
    )
    if household.site_id:
        site_ids.add(household.site_id)
    candidates = (
        User.objects.filter(
            is_active=True,
            memberships__is_active=True,
            memberships__role=Role.LIAISON,
            memberships__district_id=household.district_id,
        )
        .filter(
            Q(memberships__site_id__in=site_ids) | Q(memberships__site__isnull=True)
            if site_ids
            else Q()
        )
        .distinct()
        .annotate(
            caseload=Count(
                "household_assignments",
                filter=Q(
                    household_assignments__role=AssignmentRole.LIAISON,
                    household_assignments__ended_on__isnull=True,
                ),
                distinct=True,
            )
        )
    )
    languages = [base_language(tag) for tag in household.home_languages]

    def speaks(user):
        spoken = {base_language(tag) for tag in user.languages}
        return any(lang in spoken for lang in languages)

    ranked = sorted(candidates, key=lambda u: (not speaks(u), u.caseload, u.last_name))
    for user in ranked:
        user.speaks_family_language = speaks(user)
    return ranked


@transaction.atomic
def assign_household(
    *,
    household: Household,
    staff: User,
    by: User,
    role: str = AssignmentRole.LIAISON,
    note: str = "",
) -> HouseholdAssignment:
    """Put a household on a liaison's caseload (ending the previous liaison's) or assign an interpreter."""
    today = timezone.localdate()
    existing = HouseholdAssignment.objects.filter(
        household=household, role=role, ended_on__isnull=True
    )
    if role == AssignmentRole.LIAISON:
        existing.exclude(staff=staff).update(
            ended_on=today, updated_by=by, updated_at=timezone.now()
        )
    assignment, _created = HouseholdAssignment.objects.get_or_create(
        household=household,
        staff=staff,
        role=role,
        ended_on=None,
        defaults={"note": note, "created_by": by, "updated_by": by},
    )
    policy.forget(staff)
    return assignment


@transaction.atomic
def merge_households(*, keep: Household, merge: Household, by: User) -> Household:
    """Move every member of `merge` into `keep`; `merge` stays as an inactive record of what was joined."""
    if keep.pk == merge.pk or keep.district_id != merge.district_id:
        raise ValueError(_("Households to merge must be two different households of one district."))
    Guardian.objects.filter(household=merge).update(
        household=keep, updated_by=by, updated_at=timezone.now()
    )
    Student.objects.filter(household=merge).update(
        household=keep, updated_by=by, updated_at=timezone.now()
    )
    HouseholdAssignment.objects.filter(household=merge, ended_on__isnull=True).exclude(
        staff__in=keep.assignments.filter(ended_on__isnull=True).values("staff")
    ).update(household=keep)
    keep.home_languages = list(dict.fromkeys([*keep.home_languages, *merge.home_languages]))
    keep.arranged_by_hand = True
    keep.save()
    merge.is_active = False
    merge.arranged_by_hand = True
    merge.notes = (merge.notes + f"\nMerged into household #{keep.pk}.").strip()
    merge.save()
    reindex([keep.pk, merge.pk])
    return keep


@transaction.atomic
def split_household(*, household: Household, guardians, students, name: str, by: User) -> Household:
    """Move some members of a household into a new one (a family that lives in two homes)."""
    new = Household.objects.create(
        district=household.district,
        name=name,
        site=household.site,
        home_languages=household.home_languages,
        street=household.street,
        unit=household.unit,
        city=household.city,
        region=household.region,
        postal_code=household.postal_code,
        arranged_by_hand=True,
        created_by=by,
        updated_by=by,
    )
    Guardian.objects.filter(household=household, pk__in=[g.pk for g in guardians]).update(
        household=new
    )
    Student.objects.filter(household=household, pk__in=[s.pk for s in students]).update(
        household=new
    )
    household.arranged_by_hand = True
    household.save()
    reindex([household.pk, new.pk])
    return new


@dataclass
class DistrictSetup:
    """What `set_up_district` made: the district, its sites, its first admin and their second factor."""

    district: District
    sites: list[Site]
    admin: User
    totp_secret: str
    totp_url: str
    recovery_codes: list[str]


def set_up_district(
    *,
    name: str,
    slug: str = "",
    time_zone: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    sites: list[tuple[str, str]],
    admin_username: str,
    admin_email: str,
    admin_first_name: str = "",
    admin_last_name: str = "",
    admin_password: str,
) -> DistrictSetup:
    """A real district on day one: the district, its sites, and its first admin, whose
    authenticator app (TOTP) is enrolled here so that they can sign in at once.

    Raises ValidationError naming the field that is wrong; writes nothing then."""
    errors: dict[str, list] = {}

    def check(field, fn):
        try:
            return fn()
        except ValidationError as e:
            errors.setdefault(field, []).extend(e.messages)
            return None

    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Give the district's name.")]
    slug = slugify(slug or name)[:50]
    if slug and District.objects.filter(slug=slug).exists():
        errors["slug"] = [
            _("A district with the short name %(slug)s exists already.") % {"slug": slug}
        ]
    time_zone = (time_zone or settings.TIME_ZONE).strip()
    check("time_zone", lambda: validate_time_zone(time_zone))
    phone = check("contact_phone", lambda: normalize_phone(contact_phone)) or ""
    if contact_email:
        check("contact_email", lambda: validate_email(contact_email))
    if not sites:
        errors["sites"] = [_("Name at least one site (school, center or program).")]
    for site_name, kind in sites:
        if not site_name.strip():
            errors.setdefault("sites", []).append(_("A site needs a name."))
        if kind not in SiteKind.values:
            errors.setdefault("sites", []).append(
                _("%(site)s: the kind must be one of %(kinds)s.")
                % {"site": site_name, "kinds": ", ".join(str(k.label) for k in SiteKind)}
            )
    username = (admin_username or "").strip()
    if not username:
        errors["admin_username"] = [_("Give the admin's sign-in name.")]
    elif User.objects.filter(username__iexact=username).exists():
        errors["admin_username"] = [_("The sign-in name %(name)s is taken.") % {"name": username}]
    check("admin_email", lambda: validate_email(admin_email))
    probe = User(username=username, email=admin_email, first_name=admin_first_name)
    check("admin_password", lambda: validate_password(admin_password, probe))
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        district = District.objects.create(
            name=name,
            slug=slug,
            time_zone=time_zone,
            contact_phone=phone,
            contact_email=contact_email,
        )
        made = [
            Site.objects.create(district=district, name=site_name.strip(), kind=kind)
            for site_name, kind in sites
        ]
        admin = User.objects.create_user(
            username=username,
            email=admin_email,
            password=admin_password,
            first_name=admin_first_name,
            last_name=admin_last_name,
        )
        Membership.objects.create(user=admin, district=district, role=Role.DISTRICT_ADMIN)
        secret = generate_totp_secret()
        TOTP.activate(admin, secret)
        codes = RecoveryCodes.activate(admin).get_unused_codes()
    return DistrictSetup(
        district=district,
        sites=made,
        admin=admin,
        totp_secret=secret,
        totp_url=mfa_adapter().build_totp_url(admin, secret),
        recovery_codes=codes,
    )
