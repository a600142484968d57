from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from liaison.people import models


class MembershipInline(admin.TabularInline):
    model = models.Membership
    fk_name = "user"
    extra = 0


@admin.register(models.User)
class StaffAdmin(UserAdmin):
    inlines = [MembershipInline]
    fieldsets = [
        *UserAdmin.fieldsets,
        (
            "Liaison",
            {
                "fields": [
                    "title",
                    "phone",
                    "languages",
                    "interface_language",
                    "time_zone",
                    "notify_channel",
                    "photo",
                ]
            },
        ),
    ]
    list_display = ["username", "first_name", "last_name", "email", "is_active"]


@admin.register(models.District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "time_zone"]


@admin.register(models.Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "district", "is_active"]
    list_filter = ["kind", "district"]
    search_fields = ["name"]


class GuardianInline(admin.StackedInline):
    model = models.Guardian
    extra = 0


@admin.register(models.Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ["name", "district", "site", "is_active"]
    list_filter = ["district", "is_active"]
    search_fields = ["name"]
    inlines = [GuardianInline]


@admin.register(models.Guardian)
class GuardianAdmin(admin.ModelAdmin):
    list_display = [
        "full_name",
        "household",
        "preferred_language",
        "contact_restricted",
        "is_active",
    ]
    list_filter = ["contact_restricted", "is_active", "preferred_language"]
    search_fields = ["given_name", "family_name", "email", "phone"]
    raw_id_fields = ["household"]


@admin.register(models.Student)
class StudentAdmin(admin.ModelAdmin):
    list_display = ["full_name", "grade", "household", "is_active"]
    search_fields = ["given_name", "family_name"]
    raw_id_fields = ["household"]


@admin.register(models.HouseholdAssignment)
class HouseholdAssignmentAdmin(admin.ModelAdmin):
    list_display = ["household", "staff", "role", "started_on", "ended_on"]
    raw_id_fields = ["household", "staff"]


admin.site.register(models.ClassSection)
admin.site.register(models.Enrolment)
