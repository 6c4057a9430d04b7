from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.db.models import Count

from negprep.revised_admin import RevisedAdmin, RevisedAdminForm
from teams.models import Membership, Notification, Team, User
from teams.notifications import email_message_id, emails_send_again


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    fields = ["user", "role", "phone", "from_sign_in"]
    readonly_fields = ["from_sign_in"]
    autocomplete_fields = ["user"]


class UserMembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    fields = ["team", "role", "phone", "from_sign_in"]
    readonly_fields = ["from_sign_in"]
    verbose_name = "team role"
    verbose_name_plural = "team roles"


class UserAdminForm(RevisedAdminForm, UserChangeForm):
    """A user as staff change them: a page opened before the user saved their profile (or another
    staff member saved) is refused, not saved over it."""

    stale_what = "this user"


@admin.register(User)
class UserAdmin(RevisedAdmin, DjangoUserAdmin):
    form = UserAdminForm
    fieldsets = DjangoUserAdmin.fieldsets + (("Preferences", {"fields": ["time_zone"]}),)
    list_display = ["username", "first_name", "last_name", "email", "is_staff", "is_active"]
    inlines = [UserMembershipInline]
    actions = ["deactivate"]

    def has_delete_permission(self, request, obj=None):
        # Someone who leaves is made inactive: deleting them would take their on-call rows,
        # meetings they came along to and their inbox with them.
        return False

    @admin.action(description="Deactivate selected users (they keep their history)")
    def deactivate(self, request, queryset):
        count = queryset.filter(is_active=True).update(is_active=False)
        self.message_user(
            request,
            f"{count} user{'s' if count != 1 else ''} deactivated: they can no longer sign in, "
            "and everything they did stays on record.",
            messages.SUCCESS,
        )


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "member_count", "created_at"]
    search_fields = ["name"]
    inlines = [MembershipInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_member_count=Count("memberships__user", distinct=True))

    @admin.display(description="members", ordering="_member_count")
    def member_count(self, team):
        return team._member_count

    def has_delete_permission(self, request, obj=None):
        # Only a team set up by mistake goes: one with customers holds contacts and deals, and
        # deleting it would take them along. There is no bulk delete, which cannot check each team.
        return obj is not None and not obj.customers.exists() and super().has_delete_permission(request, obj)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "role", "phone"]
    list_filter = ["role", "team"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "team__name"]
    list_select_related = ["user", "team"]
    autocomplete_fields = ["user", "team"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "recipient",
        "kind",
        "title",
        "created_at",
        "read_at",
        "email_status",
        "email_attempts",
        "email_unconfirmed",
    ]
    list_filter = ["email_status", "kind"]
    search_fields = ["title", "recipient__username"]
    list_select_related = ["recipient"]
    date_hierarchy = "created_at"
    actions = ["requeue_email"]
    # The row is a record of what was said and sent; staff re-queue, they do not edit.
    readonly_fields = [
        "recipient",
        "team",
        "kind",
        "title",
        "body",
        "url",
        "created_at",
        "read_at",
        "email_status",
        "email_subject",
        "email_text",
        "email_html",
        "email_attempts",
        "email_first_attempt_at",
        "email_unconfirmed",
        "email_last_error",
        "email_claimed_until",
        "email_sent_at",
        "message_id",
    ]
    fieldsets = [
        (None, {"fields": ["recipient", "team", "kind", "title", "body", "url", "created_at", "read_at"]}),
        (
            "E-mail",
            {
                "fields": [
                    "email_status",
                    "email_attempts",
                    "email_first_attempt_at",
                    "email_unconfirmed",
                    "email_last_error",
                    "email_claimed_until",
                    "email_sent_at",
                    "message_id",
                    "email_subject",
                    "email_text",
                    "email_html",
                ]
            },
        ),
    ]

    def has_add_permission(self, request):
        return False

    @admin.display(description="Message-ID")
    def message_id(self, notification):
        # The same on every attempt: a copy in a mail log or a mailbox is found by it.
        return email_message_id(notification=notification)

    @admin.action(description="Send failed e-mails again")
    def requeue_email(self, request, queryset):
        selected = list(queryset.values_list("pk", flat=True))
        queued = emails_send_again(notification_ids=selected)
        self.message_user(request, f"Queued {queued} e-mail(s) to be sent again.", messages.SUCCESS)
        if skipped := len(selected) - queued:
            self.message_user(
                request, f"Left {skipped} alone: only failed e-mails are sent again.", messages.WARNING
            )
