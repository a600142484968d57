"""Translation memory, glossary, engine settings, message templates, interpreters and follow-ups."""

import hashlib

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from liaison.core.dates import local_datetime
from liaison.core.models import TrackedModel
from liaison.core.today_writes import TodayWrites
from liaison.core.validators import language_name, validate_language_tag
from liaison.language.choices import (
    EngineKind,
    InterpreterKind,
    InterpretingMode,
    MemoryStatus,
    RequestPurpose,
    RequestStatus,
    TranslationStatus,
)


def text_hash(text: str) -> str:
    """The key of a text in the translation memory: exact text, whitespace at the ends ignored."""
    return hashlib.sha256((text or "").strip().encode()).hexdigest()


class DistrictLanguageSettings(TrackedModel):
    """Which translator may see a district's messages, and how to reach it."""

    district = models.OneToOneField(
        "people.District", on_delete=models.CASCADE, related_name="language_settings"
    )
    engine = models.CharField(
        _("machine translation"), max_length=20, choices=EngineKind.choices, default=EngineKind.NONE
    )
    endpoint = models.URLField(
        _("engine address"),
        blank=True,
        help_text=_("LibreTranslate server, or a cloud endpoint other than the default."),
    )
    api_key = models.CharField(_("API key"), max_length=255, blank=True)
    region = models.CharField(_("region (Azure)"), max_length=64, blank=True)
    engine_languages = models.JSONField(
        _("languages the engine may translate into"),
        default=list,
        blank=True,
        help_text=_("BCP 47 tags; empty means every language the engine offers."),
    )
    max_wait_minutes = models.PositiveIntegerField(
        _("wait for an engine that is down (minutes)"),
        null=True,
        blank=True,
        help_text=_("After this, messages go out in the original with a translated note."),
    )

    class Meta:
        verbose_name = _("district language settings")
        verbose_name_plural = _("district language settings")

    def __str__(self):
        return f"{self.district}: {self.get_engine_display()}"


class GlossaryTerm(TrackedModel):
    """A term machine translation must not change (IEP, a school's name), or must render one fixed way."""

    district = models.ForeignKey(
        "people.District", on_delete=models.CASCADE, related_name="glossary_terms"
    )
    term = models.CharField(_("term"), max_length=200)
    translations = models.JSONField(
        _("fixed translations"),
        default=dict,
        blank=True,
        help_text=_("Language tag → wording; languages not listed keep the term as written."),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["term"]
        constraints = [
            models.UniqueConstraint(fields=["district", "term"], name="glossary_term_unique")
        ]

    def __str__(self):
        return self.term


class TranslationMemoryQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=MemoryStatus.APPROVED)


class TranslationMemory(TrackedModel):
    """One text's translation into one language: approved by a person, or cached from an engine."""

    district = models.ForeignKey(
        "people.District", on_delete=models.CASCADE, related_name="translation_memory"
    )
    source_language = models.CharField(max_length=35)
    target_language = models.CharField(max_length=35)
    source_hash = models.CharField(max_length=64)
    source_text = models.TextField()
    text = models.TextField(_("translation"))
    status = models.CharField(max_length=10, choices=MemoryStatus.choices)
    engine = models.CharField(max_length=20, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    needs_review = models.BooleanField(default=False)
    review_reason = models.CharField(max_length=200, blank=True)

    objects = TranslationMemoryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = _("translation memory")
        constraints = [
            models.UniqueConstraint(
                fields=["district", "source_language", "target_language", "source_hash"],
                name="translation_memory_unique",
            )
        ]

    def __str__(self):
        return f"{self.source_language}→{self.target_language}: {self.source_text[:40]}"


class MessageTemplate(TrackedModel):
    """A notice schools send often; shipped ones (no district) are shared by every district."""

    district = models.ForeignKey(
        "people.District",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="message_templates",
    )
    slug = models.SlugField(_("short name"))
    name = models.CharField(_("name"), max_length=200)
    source_language = models.CharField(max_length=35, default="en")
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"))
    placeholders = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug"], condition=Q(district__isnull=True), name="template_shipped_slug"
            ),
            models.UniqueConstraint(
                fields=["district", "slug"],
                condition=Q(district__isnull=False),
                name="template_district_slug",
            ),
        ]

    def __str__(self):
        return self.name


class TemplateTranslation(TrackedModel):
    """A template in one language. Shipped rows (no district) are drafts; a district approves its own."""

    template = models.ForeignKey(
        MessageTemplate, on_delete=models.CASCADE, related_name="translations"
    )
    district = models.ForeignKey(
        "people.District",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="template_translations",
    )
    language = models.CharField(_("language"), max_length=35, validators=[validate_language_tag])
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"))
    status = models.CharField(
        max_length=10, choices=TranslationStatus.choices, default=TranslationStatus.DRAFT
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["language"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "language"],
                condition=Q(district__isnull=True),
                name="template_translation_shipped",
            ),
            models.UniqueConstraint(
                fields=["template", "district", "language"],
                condition=Q(district__isnull=False),
                name="template_translation_district",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(approved_at__isnull=False),
                name="template_translation_approved_when",
            ),
        ]

    def __str__(self):
        return f"{self.template} ({self.language})"

    @property
    def language_name(self):
        return language_name(self.language)


class EngineWait(models.Model):
    """An engine outage holding up one text into one language: when we started waiting."""

    district = models.ForeignKey("people.District", on_delete=models.CASCADE, related_name="+")
    target_language = models.CharField(max_length=35)
    source_hash = models.CharField(max_length=64)
    first_failed_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=1)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["district", "target_language", "source_hash"], name="engine_wait_unique"
            )
        ]

    def __str__(self):
        return f"{self.target_language} since {self.first_failed_at:%Y-%m-%d %H:%M}"


class RenderRecord(models.Model):
    """How one message was put into one language, and for how many recipients: the coverage report."""

    district = models.ForeignKey("people.District", on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=35)
    method = models.CharField(max_length=12)
    needs_follow_up = models.BooleanField(default=False)
    recipients = models.PositiveIntegerField(default=1)
    source_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["district", "created_at"])]

    def __str__(self):
        return f"{self.language}: {self.method} × {self.recipients}"


class UnderstandingReport(TrackedModel):
    """A family said "I didn't understand": the translation goes to review, the liaison follows up."""

    class Channel(models.TextChoices):
        LINK = "link", _("Link")
        SMS = "sms", _("Text message")
        STAFF = "staff", _("Recorded by staff")

    district = models.ForeignKey("people.District", on_delete=models.CASCADE, related_name="+")
    household = models.ForeignKey(
        "people.Household", on_delete=models.CASCADE, related_name="understanding_reports"
    )
    guardian = models.ForeignKey(
        "people.Guardian",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="understanding_reports",
    )
    language = models.CharField(max_length=35)
    source_hash = models.CharField(max_length=64, blank=True)
    received_text = models.TextField(blank=True)
    message_ref = models.CharField(max_length=100, blank=True)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.LINK)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.CharField(_("what was done"), max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.household} ({self.language})"


class LanguageSuggestion(TrackedModel):
    """A reply came in another language than the one on file: suggest updating the guardian's."""

    # The household whose kept pages show this row (core/kept.py: a save draws its version).
    kept_household = "guardian.household_id"

    guardian = models.ForeignKey(
        "people.Guardian", on_delete=models.CASCADE, related_name="language_suggestions"
    )
    detected_language = models.CharField(max_length=35)
    sample = models.CharField(max_length=200, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    accepted = models.BooleanField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["guardian", "detected_language"],
                condition=Q(decided_at__isnull=True),
                name="one_open_language_suggestion",
            )
        ]

    def __str__(self):
        return f"{self.guardian} → {self.detected_language}"


class InterpreterQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Interpreter(TrackedModel):
    district = models.ForeignKey(
        "people.District", on_delete=models.CASCADE, related_name="interpreters"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interpreter_profile",
        verbose_name=_("staff account"),
        help_text=_("Set for staff interpreters: assignments then open the family to them."),
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=12, choices=InterpreterKind.choices, default=InterpreterKind.STAFF
    )
    organisation = models.CharField(_("agency"), max_length=200, blank=True)
    languages = models.JSONField(_("languages"), default=list)
    modes = models.JSONField(_("modes"), default=list)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = InterpreterQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def language_names(self):
        return [language_name(t) for t in self.languages]


class InterpreterRequestQuerySet(TodayWrites, models.QuerySet):
    def open(self):
        return self.exclude(status__in=[RequestStatus.CANCELLED, RequestStatus.DONE])

    def visible_to(self, user):
        from liaison.core import policy

        access = policy.access_for(user)
        if access.superuser:
            return self.all()
        if access.is_admin:
            return self.filter(district_id__in=access.admin_district_ids)
        mine = Q(interpreter__user=user)
        if access.works_with_families:
            mine |= policy.households_in_scope(user)
        return self.filter(mine)


class InterpreterRequest(TrackedModel):
    """An interpreter wanted for a meeting, an event or a concern, with whom and how."""

    district = models.ForeignKey("people.District", on_delete=models.CASCADE, related_name="+")
    household = models.ForeignKey(
        "people.Household", on_delete=models.CASCADE, related_name="interpreter_requests"
    )
    language = models.CharField(_("language"), max_length=35, validators=[validate_language_tag])
    mode = models.CharField(_("mode"), max_length=12, choices=InterpretingMode.choices)
    purpose = models.CharField(
        _("for"), max_length=10, choices=RequestPurpose.choices, default=RequestPurpose.MEETING
    )
    starts_at = models.DateTimeField(_("when"))
    minutes = models.PositiveIntegerField(_("how long (minutes)"), default=60)
    location = models.CharField(_("where"), max_length=200, blank=True)
    details = models.TextField(_("details"), blank=True)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("content_type", "object_id")
    status = models.CharField(
        max_length=12, choices=RequestStatus.choices, default=RequestStatus.REQUESTED
    )
    interpreter = models.ForeignKey(
        Interpreter, null=True, blank=True, on_delete=models.SET_NULL, related_name="requests"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    objects = InterpreterRequestQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["district", "status", "starts_at"]),
            # insights reads what changed since its last run
            models.Index(fields=["updated_at"], name="interpreter_request_updated"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=["assigned", "confirmed"]) | Q(interpreter__isnull=False),
                name="interpreter_request_assigned_has_interpreter",
            )
        ]

    def __str__(self):
        return f"{self.household} — {language_name(self.language)} {local_datetime(self.starts_at)}"


class ReplyLanguage(models.Model):
    """The language a family's reply was written in, as detected (messaging stores the reply)."""

    # The household whose kept pages show this row (core/kept.py: a save draws its version).
    kept_household = "message.conversation.household_id"

    message = models.OneToOneField(
        "messaging.Message", on_delete=models.CASCADE, related_name="detected_language"
    )
    guardian = models.ForeignKey(
        "people.Guardian", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    detected_language = models.CharField(max_length=35, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.message_id}: {self.detected_language or '?'}"


class FieldTranslation(models.Model):
    """What staff wrote in one field of a record families read (an event's title, a news item's
    text), put into one language by the translation pipeline. The source text's hash is kept so an
    edit of the field is translated again rather than served stale."""

    district = models.ForeignKey("people.District", on_delete=models.CASCADE, related_name="+")
    object_type = models.CharField(max_length=100)  # "events.event"
    object_id = models.CharField(max_length=60)
    field = models.CharField(max_length=60)
    language = models.CharField(max_length=35)
    source_language = models.CharField(max_length=35)
    source_hash = models.CharField(max_length=64)
    text = models.TextField()
    method = models.CharField(max_length=12)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["object_type", "object_id", "field", "language"],
                name="field_translation_unique",
            )
        ]

    def __str__(self):
        return f"{self.object_type}:{self.object_id}.{self.field} → {self.language} ({self.method})"
