from django.contrib import admin

from liaison.audit.models import (
    AccessLog,
    Disclosure,
    ErasureTombstone,
    LegalHold,
    RetentionPolicy,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Append-only records: readable, never added, changed or deleted through the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "username", "action", "kind", "object_id", "household_id", "ip", "reason"]
    list_filter = ["kind", "action"]
    search_fields = ["username", "reason"]
    date_hierarchy = "at"


@admin.register(Disclosure)
class DisclosureAdmin(ReadOnlyAdmin):
    list_display = ["at", "recipient", "legal_basis", "channel", "household_id", "by_username"]
    list_filter = ["legal_basis", "channel"]
    date_hierarchy = "at"


@admin.register(ErasureTombstone)
class ErasureTombstoneAdmin(ReadOnlyAdmin):
    list_display = ["at", "household_id", "cause", "whole_household", "by_username"]
    list_filter = ["cause"]


@admin.register(RetentionPolicy)
class RetentionPolicyAdmin(admin.ModelAdmin):
    list_display = ["district", "section", "years_after_leaving", "is_active"]
    list_filter = ["district", "is_active"]


@admin.register(LegalHold)
class LegalHoldAdmin(admin.ModelAdmin):
    list_display = ["household", "placed_at", "released_at", "placed_by"]
    raw_id_fields = ["household"]
    readonly_fields = ["placed_by", "placed_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.placed_by = request.user
        super().save_model(request, obj, form, change)
