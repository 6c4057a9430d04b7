"""The briefing and its decision, consultations and their answers, payment-term requests and their
decisions, reports and their filing: read through the access gates, written through the services,
with the pages' forms checking the input."""

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status

from deals.access import (
    among_deals,
    can_decide_briefing,
    consultation_for_answer,
    consultation_for_user,
    deal_for_user,
    deal_in_full,
    deals_for_user,
    meeting_for_owner,
    payment_request_for_finance,
    payment_request_for_user,
    report_in_full,
)
from deals.api import serializers as out
from deals.api.common import body, detail, filtered, filters, guarded, page, valid
from deals.api.deals import LIST_FILTERS
from deals.api.schema import body_of
from deals.forms.briefings import DecisionForm
from deals.forms.consultations import DeliveryAnswerForm, GuidanceAnswerForm, answer_form_class
from deals.forms.payments import PaymentDecisionForm
from deals.forms.reports import ReportForm
from deals.models import (
    Briefing,
    Consultation,
    ConsultationStatus,
    NegotiationReport,
    PaymentTermRequest,
    PaymentTermStatus,
)
from deals.selectors.payments import deal_payment_requests, policy_for_team
from deals.selectors.reports import report_references, team_reports
from deals.services import consultations as consultation_services
from deals.services import guidelines as guideline_services
from deals.services import payments as payment_services
from deals.services import reports as report_services
from negprep.api import ApiView, if_match

# Briefings ---------------------------------------------------------------------------------


def _briefing(deal) -> Briefing:
    return Briefing.objects.select_related(
        "approved_version__approval__manager", "approved_version__submitted_by"
    ).get(deal=deal)


class DealBriefing(ApiView):
    @extend_schema(responses=out.BriefingSerializer)
    def get(self, request, pk):
        """The briefing being worked on, with the version last approved (null if none)."""
        briefing = _briefing(deal_in_full(user=request.user, pk=pk))
        return detail(out.BriefingSerializer(briefing).data, revision=briefing.revision)


class BriefingDecision(ApiView):
    approve = True

    @extend_schema(
        request=body_of("BriefingDecision", DecisionForm, exclude=("revision", "guidelines", "answering")),
        responses=out.BriefingSerializer,
    )
    def post(self, request, pk):
        """Approve (or return, with a ``comment``) the submitted briefing; ``If-Match``: its ETag."""
        deal = deal_for_user(user=request.user, pk=pk)
        if not can_decide_briefing(user=request.user, deal=deal):
            raise PermissionDenied("Only another manager of the team decides on this briefing.")
        data = valid(DecisionForm(body(request)))
        briefing = _briefing(deal)
        guarded(
            guideline_services.boss_decide,
            model=Briefing,
            pk=briefing.pk,
            request=request,
            what="this briefing",
            deal=deal,
            by=request.user,
            approve=self.approve,
            comment=data.get("comment", ""),
        )
        briefing = _briefing(deal)
        return detail(out.BriefingSerializer(briefing).data, revision=briefing.revision)


class BriefingReturn(BriefingDecision):
    approve = False


# Consultations -----------------------------------------------------------------------------

CONSULTATION_RELATED = ["assignee", "answered_by"]


class ConsultationList(ApiView):
    @extend_schema(parameters=LIST_FILTERS[:3], responses=out.ConsultationSerializer(many=True))
    def get(self, request):
        """The consultations on the deals the user sees."""
        chosen = filters(request, statuses=ConsultationStatus.values)
        rows = Consultation.objects.filter(among_deals(deals_for_user(user=request.user)))
        rows = filtered(rows.select_related(*CONSULTATION_RELATED), chosen, team="deal__team_id")
        if "status" in chosen:
            rows = rows.filter(status=chosen["status"])
        return page(self, request, rows.order_by("-pk"), out.ConsultationSerializer)


class DealConsultations(ApiView):
    @extend_schema(responses=out.ConsultationSerializer(many=True))
    def get(self, request, pk):
        deal = deal_for_user(user=request.user, pk=pk)
        rows = filtered(deal.consultations.select_related(*CONSULTATION_RELATED), filters(request), team=None)
        return page(self, request, rows.order_by("pk"), out.ConsultationSerializer)


class ConsultationDetail(ApiView):
    @extend_schema(responses=out.ConsultationSerializer)
    def get(self, request, pk):
        consultation = consultation_for_user(user=request.user, pk=pk)
        return detail(out.ConsultationSerializer(consultation).data, revision=consultation.revision)


class ConsultationAnswer(ApiView):
    @extend_schema(
        request=body_of("ConsultationAnswer", DeliveryAnswerForm, GuidanceAnswerForm),
        responses=out.ConsultationSerializer,
    )
    def post(self, request, pk):
        """Answer the consultation (production and supply chain: can_fulfil, lead_time_days,
        committed_date, missing, extra_resources, support; finance: answer); ``If-Match``: its ETag."""
        consultation = consultation_for_answer(user=request.user, pk=pk)
        form_class = answer_form_class(consultation.department)
        answer = valid(form_class(body(request), department=consultation.department))
        guarded(
            consultation_services.consultation_answer,
            model=Consultation,
            pk=consultation.pk,
            request=request,
            what="this consultation",
            consultation=consultation,
            by=request.user,
            **answer,
        )
        consultation = consultation_for_user(user=request.user, pk=pk)
        return detail(out.ConsultationSerializer(consultation).data, revision=consultation.revision)


# Payment terms -----------------------------------------------------------------------------

PAYMENT_RELATED = ["requested_by", "reviewer"]


class PaymentRequestList(ApiView):
    @extend_schema(parameters=LIST_FILTERS[:3], responses=out.PaymentTermRequestSerializer(many=True))
    def get(self, request):
        """The payment-term requests on the deals the user sees."""
        chosen = filters(request, statuses=PaymentTermStatus.values)
        rows = PaymentTermRequest.objects.filter(among_deals(deals_for_user(user=request.user)))
        rows = filtered(rows.select_related(*PAYMENT_RELATED), chosen, team="deal__team_id")
        if "status" in chosen:
            rows = rows.filter(status=chosen["status"])
        return page(self, request, rows.order_by("-pk"), out.PaymentTermRequestSerializer)


class DealPaymentRequests(ApiView):
    @extend_schema(responses=out.PaymentTermRequestSerializer(many=True))
    def get(self, request, pk):
        deal = deal_for_user(user=request.user, pk=pk)
        rows = filtered(
            deal_payment_requests(deal=deal).select_related(*PAYMENT_RELATED), filters(request), team=None
        )
        return page(self, request, rows.order_by("-pk"), out.PaymentTermRequestSerializer)


class PaymentRequestDetail(ApiView):
    @extend_schema(responses=out.PaymentTermRequestSerializer)
    def get(self, request, pk):
        payment_request = payment_request_for_user(user=request.user, pk=pk)
        return detail(
            out.PaymentTermRequestSerializer(payment_request).data, revision=payment_request.revision
        )


class PaymentRequestDecide(ApiView):
    @extend_schema(
        request=body_of("PaymentDecision", PaymentDecisionForm), responses=out.PaymentTermRequestSerializer
    )
    def post(self, request, pk):
        """Finance's decision: ``decision`` approve, counter or reject, with a ``note`` (and the
        ``counter_*`` terms of a counter-offer); ``If-Match``: the request's ETag."""
        payment_request = payment_request_for_finance(user=request.user, pk=pk)
        policy = policy_for_team(team=payment_request.deal.team)
        decision = valid(PaymentDecisionForm(body(request), policy=policy))
        _decide(request, payment_request, decision)
        payment_request = payment_request_for_user(user=request.user, pk=pk)
        return detail(
            out.PaymentTermRequestSerializer(payment_request).data, revision=payment_request.revision
        )


def _decide(request, payment_request, decision):
    # The service's own ``request`` argument is the payment-term request.
    guarded(
        lambda **kwargs: payment_services.payment_request_decide(request=payment_request, **kwargs),
        model=PaymentTermRequest,
        pk=payment_request.pk,
        request=request,
        what="this payment-term request",
        by=request.user,
        **decision,
    )


# Reports -----------------------------------------------------------------------------------


class ReportList(ApiView):
    @extend_schema(parameters=LIST_FILTERS[:2], responses=out.ReportSerializer(many=True))
    def get(self, request):
        """The reports of the teams the user manages (a deal's own reports: its ``reports``)."""
        chosen = filters(request)
        rows = filtered(team_reports(user=request.user), chosen, team="meeting__deal__team_id")
        return page(self, request, rows, out.ReportSerializer)


class DealReports(ApiView):
    @extend_schema(responses=out.ReportSerializer(many=True))
    def get(self, request, pk):
        deal = deal_in_full(user=request.user, pk=pk)
        rows = NegotiationReport.objects.filter(meeting__deal=deal).select_related("filed_by", "meeting")
        rows = filtered(rows, filters(request), team=None)
        return page(self, request, rows.order_by("-meeting__starts_at", "-pk"), out.ReportSerializer)


class ReportDetail(ApiView):
    @extend_schema(responses=out.ReportSerializer)
    def get(self, request, pk):
        report = report_in_full(user=request.user, pk=pk)
        return detail(out.ReportSerializer(report).data, revision=report.revision)


class MeetingReport(ApiView):
    @extend_schema(
        request=body_of(
            "ReportFile", ReportForm, extra={"correction_note": serializers.CharField(required=False)}
        ),
        responses={201: out.ReportSerializer, 200: out.ReportSerializer},
    )
    def post(self, request, pk):
        """File the report on a meeting that has started, or correct it (then with a
        ``correction_note`` and ``If-Match``: the report's ETag)."""
        meeting = meeting_for_owner(user=request.user, pk=pk)
        existing = NegotiationReport.objects.filter(meeting=meeting).first()
        references = report_references(deal=meeting.deal)
        list_price = references.limits.text("list_price") if references.limits is not None else ""
        data = body(request)
        if existing is not None:
            if_match(request)  # a correction must say which version it corrects
            data = {**data, "revision": existing.revision} if "revision" in ReportForm.base_fields else data
        values = valid(ReportForm(data, instance=existing, list_price=list_price))
        kwargs = {
            "meeting": meeting,
            "by": request.user,
            "correction_note": values.get("correction_note", ""),
            **{name: values[name] for name in report_services.REPORT_FIELDS},
        }
        if existing is None:
            report = report_services.report_file(**kwargs)
        else:
            report = guarded(
                report_services.report_file,
                model=NegotiationReport,
                pk=existing.pk,
                request=request,
                what="this report",
                **kwargs,
            )
        report = NegotiationReport.objects.select_related("filed_by", "meeting").get(pk=report.pk)
        code = status.HTTP_200_OK if existing else status.HTTP_201_CREATED
        return detail(out.ReportSerializer(report).data, revision=report.revision, status=code)
