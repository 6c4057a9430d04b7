from django.contrib import admin
from django.db import models

from deals.models import (
    Activity,
    Approval,
    ApprovalDelegation,
    Briefing,
    BriefingVersion,
    Concession,
    Contact,
    Customer,
    Deal,
    Meeting,
    Objection,
    PitchPoint,
)

# Links typed without a scheme become https:// (the Django 6 default).
URL_FIELDS = {models.URLField: {"assume_scheme": "https"}}


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["name", "title", "buying_role", "email", "phone"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    formfield_overrides = URL_FIELDS
    list_display = ["name", "team", "industry", "created_at"]
    list_filter = ["team"]
    search_fields = ["name"]
    inlines = [ContactInline]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "buying_role", "customer"]
    list_filter = ["buying_role", "customer__team"]
    search_fields = ["name", "customer__name"]
    list_select_related = ["customer"]


class MeetingInline(admin.TabularInline):
    model = Meeting
    extra = 0
    fields = ["starts_at", "ends_at", "stage", "location", "cancelled"]
    show_change_link = True


@admin.register(Deal)
class DealAdmin(admin.ModelAdmin):
    list_display = ["title", "customer", "owner", "team", "status", "estimated_value", "currency"]
    list_filter = ["status", "team", "involves_production", "involves_delivery", "special_payment_terms"]
    search_fields = ["title", "customer__name", "owner__username"]
    list_select_related = ["customer", "owner", "team"]
    raw_id_fields = ["owner", "customer"]
    inlines = [MeetingInline]


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    formfield_overrides = URL_FIELDS
    list_display = ["deal", "starts_at", "stage", "cancelled"]
    list_filter = ["stage", "cancelled", "deal__team"]
    search_fields = ["deal__title"]
    date_hierarchy = "starts_at"
    list_select_related = ["deal"]
    raw_id_fields = ["deal"]
    filter_horizontal = ["contacts", "co_negotiators"]


class PitchPointInline(admin.TabularInline):
    model = PitchPoint
    extra = 0


class ObjectionInline(admin.TabularInline):
    model = Objection
    extra = 0


class ConcessionInline(admin.TabularInline):
    model = Concession
    extra = 0


@admin.register(Briefing)
class BriefingAdmin(admin.ModelAdmin):
    list_display = ["deal", "version", "status", "target_price", "walk_away_price", "updated_at"]
    list_filter = ["status", "deal__team"]
    search_fields = ["deal__title"]
    list_select_related = ["deal"]
    raw_id_fields = ["deal", "approved_version", "updated_by"]
    readonly_fields = ["revision"]
    inlines = [PitchPointInline, ObjectionInline, ConcessionInline]


@admin.register(BriefingVersion)
class BriefingVersionAdmin(admin.ModelAdmin):
    list_display = ["briefing", "number", "submitted_by", "submitted_at"]
    list_filter = ["briefing__deal__team"]
    list_select_related = ["briefing__deal", "submitted_by"]
    readonly_fields = ["briefing", "number", "snapshot", "submitted_by", "submitted_at"]


@admin.register(Approval)
class ApprovalAdmin(admin.ModelAdmin):
    list_display = ["version", "decision", "manager", "on_behalf_of", "decided_at"]
    list_filter = ["decision", "version__briefing__deal__team"]
    list_select_related = ["version__briefing__deal", "manager", "on_behalf_of"]
    readonly_fields = ["version", "decision", "manager", "on_behalf_of", "comment", "snapshot", "decided_at"]


@admin.register(ApprovalDelegation)
class ApprovalDelegationAdmin(admin.ModelAdmin):
    list_display = ["team", "manager", "delegate", "starts_on", "ends_on"]
    list_filter = ["team"]
    list_select_related = ["team", "manager", "delegate"]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["deal", "actor", "verb", "summary", "created_at"]
    list_filter = ["verb", "deal__team"]
    search_fields = ["summary", "deal__title"]
    list_select_related = ["deal", "actor"]
    readonly_fields = ["deal", "actor", "verb", "summary", "changes", "created_at"]
