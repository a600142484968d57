"""Enumerations of the people app, in the liaison's words."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# Defined with the access policy that reads them (core imports no app); kept importable here.
from liaison.core.policy.roles import AssignmentRole as AssignmentRole
from liaison.core.policy.roles import Role as Role


class SiteKind(models.TextChoices):
    SCHOOL = "school", _("School")
    EARLY_CHILDHOOD = "early_childhood", _("Early-childhood center")
    COMMUNITY = "community", _("Community organization")
    PROGRAMME = "programme", _("Program")
    DISTRICT_OFFICE = "district_office", _("District office")


class Relationship(models.TextChoices):
    MOTHER = "mother", _("Mother")
    FATHER = "father", _("Father")
    PARENT = "parent", _("Parent")
    STEPPARENT = "stepparent", _("Stepparent")
    GRANDPARENT = "grandparent", _("Grandparent")
    FOSTER_PARENT = "foster_parent", _("Foster parent")
    LEGAL_GUARDIAN = "legal_guardian", _("Legal guardian")
    RELATIVE = "relative", _("Relative")
    OTHER = "other", _("Other")


class Channel(models.TextChoices):
    SMS = "sms", _("Text message")
    EMAIL = "email", _("Email")
    PORTAL = "portal", _("Family portal")


class Programme(models.TextChoices):
    IEP = "iep", _("IEP (special education)")
    SECTION_504 = "504", _("Section 504 plan")
    ENGLISH_LEARNER = "el", _("English learner")
    MCKINNEY_VENTO = "mckinney_vento", _("McKinney-Vento (housing insecure)")
    FOSTER_CARE = "foster_care", _("Foster care")
    EARLY_CHILDHOOD = "early_childhood", _("Early childhood")


class Grade(models.TextChoices):
    # OneRoster / CEDS grade codes.
    INFANT = "IT", _("Infant/toddler")
    PRESCHOOL = "PR", _("Preschool")
    PREK = "PK", _("Pre-kindergarten")
    TK = "TK", _("Transitional kindergarten")
    KINDERGARTEN = "KG", _("Kindergarten")
    G01 = "01", _("Grade 1")
    G02 = "02", _("Grade 2")
    G03 = "03", _("Grade 3")
    G04 = "04", _("Grade 4")
    G05 = "05", _("Grade 5")
    G06 = "06", _("Grade 6")
    G07 = "07", _("Grade 7")
    G08 = "08", _("Grade 8")
    G09 = "09", _("Grade 9")
    G10 = "10", _("Grade 10")
    G11 = "11", _("Grade 11")
    G12 = "12", _("Grade 12")
    G13 = "13", _("Grade 13")
    POSTSECONDARY = "PS", _("Postsecondary")
    UNGRADED = "UG", _("Ungraded")
    OTHER = "Other", _("Other")
