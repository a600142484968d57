"""The announcement audience: who a spec selects, and who of them can be reached on which channel."""

from dataclasses import asdict, dataclass, field
from datetime import timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liaison.messaging import registry


@dataclass
class Audience:
    """Which guardians an announcement is for. Empty lists mean "no condition"; all conditions AND.

    sites, grades, programmes, languages: ids / codes; not_reached_days: households with no message
    sent to them in that many days; saved: a SavedAudience id; source + source_param: a registered
    audience source (see registry.register_audience_source).
    """

    sites: list[int] = field(default_factory=list)
    grades: list[str] = field(default_factory=list)
    programmes: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    not_reached_days: int | None = None
    saved: int | None = None
    source: str = ""
    source_param: str = ""
    guardian_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Audience":
        known = {k: v for k, v in (data or {}).items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def guardians(self, *, district, user=None):
        """Guardians selected (restricted and inactive ones included: the preview says why they're out)."""
        from liaison.core import policy
        from liaison.messaging.models import Delivery, SavedAudience
        from liaison.people.models import Enrolment, Guardian, GuardianStudent, StudentProgramme

        qs = Guardian.objects.filter(household__district=district, household__is_active=True)
        if user is not None:
            q = policy.guardian_filter(user)
            if q != Q():
                qs = qs.filter(q)
        if self.sites:
            enrolled = Enrolment.objects.filter(
                student__guardian_links__guardian_id=OuterRef("pk"),
                site_id__in=self.sites,
                is_active=True,
            )
            qs = qs.filter(Q(household__site_id__in=self.sites) | Q(Exists(enrolled)))
        if self.grades:
            qs = qs.filter(
                Exists(
                    GuardianStudent.objects.filter(
                        guardian_id=OuterRef("pk"),
                        student__grade__in=self.grades,
                        student__is_active=True,
                    )
                )
            )
        if self.programmes:
            qs = qs.filter(
                Exists(
                    StudentProgramme.objects.filter(
                        student__guardian_links__guardian_id=OuterRef("pk"),
                        programme__in=self.programmes,
                    )
                )
            )
        if self.languages:
            lq = Q()
            for tag in self.languages:
                lq |= Q(preferred_language__iexact=tag) | Q(
                    preferred_language__istartswith=f"{tag}-"
                )
            qs = qs.filter(lq)
        if self.not_reached_days:
            since = timezone.now() - timedelta(days=int(self.not_reached_days))
            reached = Delivery.objects.filter(
                household_id_copy=OuterRef("household_id"),
                state__in=["sent", "delivered"],
                sent_at__gte=since,
            )
            qs = qs.filter(~Exists(reached))
        if self.saved:
            saved = SavedAudience.objects.filter(pk=self.saved, district=district).first()
            if saved is None:
                return qs.none()
            if saved.guardian_ids:
                qs = qs.filter(pk__in=saved.guardian_ids)
            elif saved.spec:
                inner = Audience.from_dict({**saved.spec, "saved": None})
                qs = qs.filter(pk__in=inner.guardians(district=district, user=user).values("pk"))
        if self.source:
            source = registry.audience_sources().get(self.source)
            if source is None:
                return qs.none()
            picked = source.fn(district=district, user=user, param=self.source_param)
            if hasattr(picked, "values"):
                qs = qs.filter(pk__in=picked.values("pk"))
            else:
                qs = qs.filter(pk__in=list(picked))
        if self.guardian_ids:
            qs = qs.filter(pk__in=self.guardian_ids)
        return qs


UNREACHABLE_REASONS = {
    "restricted": _("Contact restriction"),
    "inactive": _("No longer active"),
    "no_address": _("No phone, email or portal"),
}
