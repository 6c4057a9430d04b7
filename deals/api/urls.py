"""The REST API, version 1 (README "API"). Every route has an entry in tests/access_matrix.py."""

from django.urls import path

from deals.api import deals, workflow
from teams import api as team_api

app_name = "api"

urlpatterns = [
    path("deals/", deals.DealList.as_view(), name="deals"),
    path("deals/<int:pk>/", deals.DealDetail.as_view(), name="deal"),
    path("deals/<int:pk>/contacts/", deals.DealContacts.as_view(), name="deal_contacts"),
    path("deals/<int:pk>/contacts/<int:contact_pk>/", deals.DealContact.as_view(), name="deal_contact"),
    path("deals/<int:pk>/meetings/", deals.DealMeetings.as_view(), name="deal_meetings"),
    path("deals/<int:pk>/briefing/", workflow.DealBriefing.as_view(), name="deal_briefing"),
    path("deals/<int:pk>/briefing/approve/", workflow.BriefingDecision.as_view(), name="briefing_approve"),
    path("deals/<int:pk>/briefing/return/", workflow.BriefingReturn.as_view(), name="briefing_return"),
    path("deals/<int:pk>/consultations/", workflow.DealConsultations.as_view(), name="deal_consultations"),
    path(
        "deals/<int:pk>/payment-requests/",
        workflow.DealPaymentRequests.as_view(),
        name="deal_payment_requests",
    ),
    path("deals/<int:pk>/reports/", workflow.DealReports.as_view(), name="deal_reports"),
    path("customers/", deals.CustomerList.as_view(), name="customers"),
    path("customers/<int:pk>/", deals.CustomerDetail.as_view(), name="customer"),
    path("meetings/<int:pk>/", deals.MeetingDetail.as_view(), name="meeting"),
    path("meetings/<int:pk>/report/", workflow.MeetingReport.as_view(), name="meeting_report"),
    path("consultations/", workflow.ConsultationList.as_view(), name="consultations"),
    path("consultations/<int:pk>/", workflow.ConsultationDetail.as_view(), name="consultation"),
    path("consultations/<int:pk>/answer/", workflow.ConsultationAnswer.as_view(), name="consultation_answer"),
    path("payment-requests/", workflow.PaymentRequestList.as_view(), name="payment_requests"),
    path("payment-requests/<int:pk>/", workflow.PaymentRequestDetail.as_view(), name="payment_request"),
    path(
        "payment-requests/<int:pk>/decide/",
        workflow.PaymentRequestDecide.as_view(),
        name="payment_request_decide",
    ),
    path("reports/", workflow.ReportList.as_view(), name="reports"),
    path("reports/<int:pk>/", workflow.ReportDetail.as_view(), name="report"),
    path("notifications/", team_api.NotificationList.as_view(), name="notifications"),
    path("notifications/<int:pk>/", team_api.NotificationDetail.as_view(), name="notification"),
]
