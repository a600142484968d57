"""The enumerations the access policy reads, defined here so that core imports no app.

The apps re-export them under their old homes (people.choices.Role, insights.choices.Scope,
events.choices.EventKind), so models, forms and migrations keep their names and choices.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DISTRICT_ADMIN = "district_admin", _("District admin")
    SITE_LEADER = "site_leader", _("Site leader")
    LIAISON = "liaison", _("Liaison")
    TEACHER = "teacher", _("Teacher")
    INTERPRETER = "interpreter", _("Interpreter")


class AssignmentRole(models.TextChoices):
    LIAISON = "liaison", _("Liaison (caseload)")
    INTERPRETER = "interpreter", _("Interpreter")


class Scope(models.TextChoices):
    DISTRICT = "district", _("District")
    SITE = "site", _("Site")
    CASELOAD = "caseload", _("Caseload")


class Dimension(models.TextChoices):
    ALL = "all", _("All households")
    SITE = "site", _("Site")
    LANGUAGE = "language", _("Language")
    PROGRAMME = "programme", _("Program")
    GRADE = "grade", _("Grade")
    CHANNEL = "channel", _("Channel")
    CATEGORY = "category", _("Category")
    OUTCOME = "outcome", _("Outcome")
    LIAISON = "liaison", _("Liaison's caseload")


class EventKind(models.TextChoices):
    WORKSHOP = "workshop", _("Workshop")
    MEETING = "meeting", _("Meeting")
    CONFERENCE = "conference", _("Parent-teacher conference")
    COMMITTEE = "committee", _("Committee meeting")
    COMMUNITY = "community", _("Community event")
