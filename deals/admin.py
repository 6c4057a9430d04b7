from django import forms
from django.contrib import admin
from django.db import models

from deals.access import is_manager
from deals.models import (
    Activity,
    Approval,
    ApprovalDelegation,
    Briefing,
    BriefingVersion,
    Concession,
    CoNegotiatorRequest,
    Consultation,
    Contact,
    Customer,
    Deal,
    FinancePolicy,
    Guideline,
    ImportJob,
    Meeting,
    NegotiationReport,
    Objection,
    OnCall,
    PaymentTermRequest,
    PitchPoint,
    Reminder,
    WebhookDelivery,
    WebhookEndpoint,
)
from negprep.revised_admin import RevisedAdmin, RevisedAdminForm


class ReadOnly:
    """Staff read the practice's records here and never add, change or delete one.

    Every change goes through the app, whose services re-derive the consultations, write the
    timeline and refresh readiness; nothing of a negotiation is ever hard-deleted. Staff
    administer people, teams, finance policies and delegations, not deals.
    """

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RecordAdmin(ReadOnly, admin.ModelAdmin):
    # The admin still builds a (never saved) form to list a record's fields: links in it follow
    # the Django 6 default.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class RecordInline(ReadOnly, admin.TabularInline):
    extra = 0


class ContactInline(RecordInline):
    model = Contact
    fields = ["name", "title", "buying_role", "email", "phone", "archived_at", "erased_at"]


@admin.register(Customer)
class CustomerAdmin(RecordAdmin):
    list_display = ["name", "team", "industry", "created_at"]
    list_filter = ["team"]
    search_fields = ["name"]
    inlines = [ContactInline]


@admin.register(Contact)
class ContactAdmin(RecordAdmin):
    list_display = ["name", "title", "buying_role", "customer", "archived_at", "erased_at"]
    list_filter = ["buying_role", ("archived_at", admin.EmptyFieldListFilter), "customer__team"]
    search_fields = ["name", "customer__name"]
    list_select_related = ["customer"]


class MeetingInline(RecordInline):
    model = Meeting
    fields = ["starts_at", "ends_at", "stage", "location", "cancelled"]
    show_change_link = True


@admin.register(Deal)
class DealAdmin(RecordAdmin):
    list_display = [
        "title",
        "customer",
        "owner",
        "team",
        "status",
        "estimated_value",
        "currency",
        "archived_at",
    ]
    list_filter = [
        "status",
        ("archived_at", admin.EmptyFieldListFilter),
        "team",
        "involves_production",
        "involves_delivery",
        "special_payment_terms",
    ]
    search_fields = ["title", "customer__name", "owner__username"]
    list_select_related = ["customer", "owner", "team"]
    inlines = [MeetingInline]


@admin.register(Meeting)
class MeetingAdmin(RecordAdmin):
    list_display = ["deal", "starts_at", "stage", "cancelled"]
    list_filter = ["stage", "cancelled", "deal__team"]
    search_fields = ["deal__title"]
    date_hierarchy = "starts_at"
    list_select_related = ["deal"]


class PitchPointInline(RecordInline):
    model = PitchPoint


class ObjectionInline(RecordInline):
    model = Objection


class ConcessionInline(RecordInline):
    model = Concession


@admin.register(Briefing)
class BriefingAdmin(RecordAdmin):
    list_display = ["deal", "version", "status", "target_price", "walk_away_price", "updated_at"]
    list_filter = ["status", "deal__team"]
    search_fields = ["deal__title"]
    list_select_related = ["deal"]
    inlines = [PitchPointInline, ObjectionInline, ConcessionInline]


@admin.register(BriefingVersion)
class BriefingVersionAdmin(RecordAdmin):
    list_display = ["briefing", "number", "submitted_by", "submitted_at"]
    list_filter = ["briefing__deal__team"]
    list_select_related = ["briefing__deal", "submitted_by"]
    readonly_fields = ["briefing", "number", "snapshot", "submitted_by", "submitted_at"]


@admin.register(Approval)
class ApprovalAdmin(RecordAdmin):
    list_display = ["version", "decision", "manager", "on_behalf_of", "decided_at"]
    list_filter = ["decision", "version__briefing__deal__team"]
    list_select_related = ["version__briefing__deal", "manager", "on_behalf_of"]
    readonly_fields = ["version", "decision", "manager", "on_behalf_of", "comment", "snapshot", "decided_at"]


@admin.register(Guideline)
class GuidelineAdmin(RecordAdmin):
    list_display = ["briefing", "status", "asked_by", "asked_at", "given_by", "given_at"]
    list_filter = ["status", "briefing__deal__team"]
    search_fields = ["briefing__deal__title", "questions", "guidelines"]
    list_select_related = ["briefing__deal", "asked_by", "given_by"]


class ApprovalDelegationAdminForm(RevisedAdminForm, forms.ModelForm):
    stale_what = "this delegation"

    class Meta:
        model = ApprovalDelegation
        fields = ["team", "manager", "delegate", "starts_on", "ends_on"]

    def clean(self):
        data = super().clean()
        team, manager, delegate = data.get("team"), data.get("manager"), data.get("delegate")
        if team is not None:
            if manager is not None and not is_manager(user=manager, team_id=team.pk):
                self.add_error("manager", f"{manager} is not a manager of {team}.")
            if delegate is not None and not is_manager(user=delegate, team_id=team.pk):
                self.add_error("delegate", "Approvals can only be delegated to another manager of the team.")
        return data


@admin.register(ApprovalDelegation)
class ApprovalDelegationAdmin(RevisedAdmin, admin.ModelAdmin):
    form = ApprovalDelegationAdminForm
    # The revision is rendered by the template, beside what differs after a stale save.
    fields = ["team", "manager", "delegate", "starts_on", "ends_on"]
    list_display = ["team", "manager", "delegate", "starts_on", "ends_on"]
    list_filter = ["team"]
    list_select_related = ["team", "manager", "delegate"]


@admin.register(Activity)
class ActivityAdmin(RecordAdmin):
    list_display = ["deal", "actor", "verb", "summary", "created_at"]
    list_filter = ["verb", "deal__team"]
    search_fields = ["summary", "deal__title"]
    list_select_related = ["deal", "actor"]
    readonly_fields = ["deal", "actor", "verb", "summary", "changes", "created_at"]


@admin.register(OnCall)
class OnCallAdmin(RecordAdmin):
    list_display = ["meeting", "member", "topic", "status", "available_from", "available_to"]
    list_filter = ["status", "meeting__deal__team"]
    list_select_related = ["meeting__deal", "member"]


@admin.register(CoNegotiatorRequest)
class CoNegotiatorRequestAdmin(RecordAdmin):
    list_display = ["meeting", "member", "status", "created_at"]
    list_filter = ["status", "meeting__deal__team"]
    list_select_related = ["meeting__deal", "member"]


@admin.register(Reminder)
class ReminderAdmin(RecordAdmin):
    """The reminder ledger; delivery (attempts, last error) lives on the notification's e-mail."""

    list_display = [
        "created_at",
        "kind",
        "window_hours",
        "recipient",
        "meeting",
        "status",
        "email_status",
        "email_attempts",
        "email_last_error",
    ]
    list_filter = ["kind", "status", "window_hours", "notification__email_status", "meeting__deal__team"]
    search_fields = ["recipient__username", "meeting__deal__title", "subject"]
    list_select_related = ["recipient", "meeting__deal", "notification"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at"]

    @admin.display(description="e-mail", ordering="notification__email_status")
    def email_status(self, reminder):
        return reminder.notification.get_email_status_display() if reminder.notification else "—"

    @admin.display(description="attempts")
    def email_attempts(self, reminder):
        return reminder.notification.email_attempts if reminder.notification else 0

    @admin.display(description="last error")
    def email_last_error(self, reminder):
        return (reminder.notification.email_last_error or "")[:120] if reminder.notification else ""


@admin.register(NegotiationReport)
class NegotiationReportAdmin(RecordAdmin):
    class HasBreachesFilter(admin.SimpleListFilter):
        title = "breaches"
        parameter_name = "has_breaches"

        def lookups(self, request, model_admin):
            return [("yes", "With breaches"), ("no", "Without breaches")]

        def queryset(self, request, queryset):
            if self.value() == "yes":
                return queryset.exclude(breaches=[])
            if self.value() == "no":
                return queryset.filter(breaches=[])
            return queryset

    list_display = [
        "meeting",
        "outcome",
        "agreed_price",
        "discount_pct",
        "has_breaches",
        "filed_by",
        "filed_at",
    ]
    list_filter = ["outcome", HasBreachesFilter, "meeting__deal__team"]
    list_select_related = ["meeting__deal", "filed_by"]

    @admin.display(boolean=True, description="breaches")
    def has_breaches(self, report):
        return report.has_breaches


@admin.register(Consultation)
class ConsultationAdmin(RecordAdmin):
    list_display = ["deal", "department", "required", "status", "assignee", "due_at", "answered_at"]
    list_filter = ["department", "status", "required", "deal__team"]
    search_fields = ["deal__title", "deal__customer__name", "questions"]
    list_select_related = ["deal", "assignee"]
    date_hierarchy = "due_at"


FINANCE_POLICY_FIELDS = [
    "team",
    "standard_net_days",
    "max_net_days",
    "min_deposit_pct",
    "max_instalments",
    "early_payment_discount_allowed",
]


class FinancePolicyAdminForm(RevisedAdminForm, forms.ModelForm):
    """A team's finance policy as staff change it, refusing a stale save (``negprep.revised_admin``)."""

    stale_what = "this finance policy"

    class Meta:
        model = FinancePolicy
        fields = FINANCE_POLICY_FIELDS


@admin.register(FinancePolicy)
class FinancePolicyAdmin(RevisedAdmin, admin.ModelAdmin):
    form = FinancePolicyAdminForm
    # The revision is rendered by the template, beside what differs after a stale save.
    fields = FINANCE_POLICY_FIELDS
    list_display = [
        "team",
        "standard_net_days",
        "max_net_days",
        "min_deposit_pct",
        "max_instalments",
        "early_payment_discount_allowed",
        "updated_at",
        "updated_by",
    ]
    # No list_editable: a row edited in the list carries no revision and would overwrite unseen.
    list_select_related = ["team", "updated_by"]
    search_fields = ["team__name"]


@admin.register(PaymentTermRequest)
class PaymentTermRequestAdmin(RecordAdmin):
    list_display = [
        "deal",
        "net_days",
        "deposit_pct",
        "instalments",
        "status",
        "auto_approved",
        "outside_policy",
        "reviewer",
        "created_at",
    ]
    list_filter = ["status", "auto_approved", "outside_policy", "deal__team"]
    search_fields = ["deal__title", "deal__customer__name"]
    list_select_related = ["deal", "deal__customer", "reviewer"]
    readonly_fields = ["created_at"]


# What the integrations did: staff see every team's webhooks and imports, to help a team whose
# deliveries fail or whose import stopped. Neither an endpoint's secret nor an import's file is shown.


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(RecordAdmin):
    list_display = ["url", "team", "active", "created_at", "gave_up_notice_at"]
    list_filter = ["active", "team"]
    search_fields = ["url"]
    list_select_related = ["team"]
    fields = ["team", "url", "events", "active", "created_by", "created_at", "gave_up_notice_at"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(RecordAdmin):
    list_display = [
        "created_at",
        "endpoint",
        "event_type",
        "status",
        "attempts",
        "last_response_code",
        "last_error",
    ]
    list_filter = ["status", "endpoint__team"]
    search_fields = ["endpoint__url", "event__type"]
    list_select_related = ["endpoint", "event"]
    show_full_result_count = False

    @admin.display(description="event", ordering="event__type")
    def event_type(self, delivery):
        return delivery.event.type


@admin.register(ImportJob)
class ImportJobAdmin(RecordAdmin):
    list_display = [
        "created_at",
        "file_name",
        "owner",
        "team",
        "status",
        "total_rows",
        "error_rows",
        "finished_at",
    ]
    list_filter = ["status", "team"]
    search_fields = ["file_name", "owner__username"]
    list_select_related = ["owner", "team"]
    show_full_result_count = False
    fields = [
        "owner",
        "team",
        "file_name",
        "file_format",
        "status",
        "problem",
        "skip_errors",
        ("total_rows", "done_rows"),
        ("new_rows", "updated_rows", "unchanged_rows", "error_rows"),
        ("created_at", "queued_at", "started_at", "finished_at"),
    ]
