"""How the API writes each record (read only: input goes through the pages' forms)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from deals.models import (
    Approval,
    Briefing,
    BriefingVersion,
    Consultation,
    Contact,
    Customer,
    Deal,
    Meeting,
    NegotiationReport,
    PaymentTermRequest,
)
from deals.services.deals import DEAL_EDITABLE_FIELDS
from deals.services.reports import REPORT_FIELDS


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    }
)
class PersonField(serializers.Field):
    """A user as ``{"id", "name"}``, or null."""

    def to_representation(self, user):
        return {"id": user.pk, "name": str(user)}


class CheckSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    state = serializers.CharField()
    note = serializers.CharField()


class ReadinessSerializer(serializers.Serializer):
    ready = serializers.BooleanField(source="is_ready")
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    checks = CheckSerializer(source="items", many=True)


class CustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "team", "name", "industry", "website", "created_at"]


class DealSerializer(serializers.ModelSerializer):
    owner = PersonField()
    customer = serializers.SerializerMethodField()
    next_meeting_at = serializers.SerializerMethodField()

    class Meta:
        model = Deal
        fields = [
            "id",
            "revision",
            "team",
            "owner",
            "customer",
            *DEAL_EDITABLE_FIELDS,
            "status",
            "next_meeting_at",
            "archived_at",
            "created_at",
            "updated_at",
        ]

    def get_customer(self, deal) -> dict:
        return {"id": deal.customer_id, "name": deal.customer.name}

    def get_next_meeting_at(self, deal) -> str | None:
        value = getattr(deal, "next_meeting_at", None)
        return serializers.DateTimeField().to_representation(value) if value else None


class DealDetailSerializer(DealSerializer):
    """The deal with its readiness; ``readiness`` is null for a department, which sees a summary."""

    readiness = serializers.SerializerMethodField()

    class Meta(DealSerializer.Meta):
        fields = [*DealSerializer.Meta.fields, "readiness"]

    def get_readiness(self, deal) -> dict | None:
        readiness = self.context.get("readiness")
        return ReadinessSerializer(readiness).data if readiness is not None else None


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = [
            "id",
            "revision",
            "customer",
            "name",
            "title",
            "buying_role",
            "cares_about",
            "email",
            "phone",
            "archived_at",
            "updated_at",
        ]


class MeetingSerializer(serializers.ModelSerializer):
    contacts = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "revision",
            "deal",
            "starts_at",
            "ends_at",
            "stage",
            "location",
            "video_link",
            "contacts",
            "cancelled",
            "cancelled_reason",
            "updated_at",
        ]


class ApprovalSerializer(serializers.ModelSerializer):
    manager = PersonField()

    class Meta:
        model = Approval
        fields = ["decision", "manager", "comment", "decided_at"]


class BriefingVersionSerializer(serializers.ModelSerializer):
    submitted_by = PersonField()
    approval = ApprovalSerializer(read_only=True)

    class Meta:
        model = BriefingVersion
        fields = ["number", "snapshot", "submitted_by", "submitted_at", "approval"]


class BriefingSerializer(serializers.ModelSerializer):
    approved_version = BriefingVersionSerializer(read_only=True)

    class Meta:
        model = Briefing
        fields = [
            "id",
            "revision",
            "deal",
            "version",
            "status",
            "objectives",
            "approach",
            "attendees_interests",
            "currency",
            "list_price",
            "target_price",
            "walk_away_price",
            "max_discount_pct",
            "quantity_min",
            "quantity_max",
            "earliest_delivery",
            "payment_terms",
            "batna",
            "updated_at",
            "approved_version",
        ]


class ConsultationSerializer(serializers.ModelSerializer):
    assignee = PersonField(allow_null=True)
    answered_by = PersonField(allow_null=True)

    class Meta:
        model = Consultation
        fields = [
            "id",
            "revision",
            "deal",
            "department",
            "required",
            "assignee",
            "questions",
            "status",
            "due_at",
            "requested_at",
            "answer",
            "can_fulfil",
            "missing",
            "extra_resources",
            "lead_time_days",
            "committed_date",
            "support",
            "answered_by",
            "answered_at",
            "waived_at",
            "waive_reason",
            "updated_at",
        ]


class PaymentTermRequestSerializer(serializers.ModelSerializer):
    requested_by = PersonField()
    reviewer = PersonField(allow_null=True)

    class Meta:
        model = PaymentTermRequest
        fields = [
            "id",
            "revision",
            "deal",
            "requested_by",
            "net_days",
            "deposit_pct",
            "instalments",
            "early_payment_discount",
            "other_conditions",
            "customer_reason",
            "justification",
            "outside_policy",
            "policy_breaches",
            "auto_approved",
            "status",
            "reviewer",
            "decision_note",
            "counter_net_days",
            "counter_deposit_pct",
            "counter_instalments",
            "counter_early_payment_discount",
            "counter_conditions",
            "decided_at",
            "created_at",
            "updated_at",
        ]


class ReportSerializer(serializers.ModelSerializer):
    filed_by = PersonField()
    deal = serializers.IntegerField(source="meeting.deal_id", read_only=True)

    class Meta:
        model = NegotiationReport
        fields = [
            "id",
            "revision",
            "meeting",
            "deal",
            "filed_by",
            *REPORT_FIELDS,
            "breaches",
            "correction_note",
            "ready_at_meeting",
            "filed_at",
            "updated_at",
        ]
