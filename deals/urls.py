from django.urls import path

from deals.views import briefings, calendar, closing, cover, delegations, meeting_brief
from deals.views import consultations as consultation_views
from deals.views import contacts as contact_views
from deals.views import deals as deal_views
from deals.views import exports as export_views
from deals.views import guidelines as guideline_views
from deals.views import imports as import_views
from deals.views import live as live_views
from deals.views import meetings as meeting_views
from deals.views import payments as payment_views
from deals.views import reports as report_views
from deals.views import webhooks as webhook_views

app_name = "deals"

urlpatterns = [
    # Deals, customers and meetings (deals/views/deals.py, deals/views/meetings.py)
    path("", deal_views.deal_list, name="list"),
    path("new/", deal_views.deal_create, name="create"),
    path("new/contacts/", deal_views.deal_create_contacts, name="create_contacts"),
    path("export/", export_views.deal_list_export, name="list_export"),
    path("<int:pk>/", deal_views.deal_detail, name="detail"),
    path("<int:pk>/edit/", deal_views.deal_edit, name="edit"),
    path("<int:pk>/timeline/", deal_views.deal_timeline, name="timeline"),
    # Closing, archiving and restoring a deal (deals/views/closing.py)
    path("<int:pk>/close/", closing.deal_close, name="close"),
    path("<int:pk>/reopen/", closing.deal_reopen, name="reopen"),
    path("<int:pk>/archive/", closing.deal_archive, name="archive"),
    path("<int:pk>/restore/", closing.deal_restore, name="restore"),
    path("<int:pk>/meetings/", deal_views.deal_past_meetings, name="past_meetings"),
    path("<int:pk>/meetings/new/", meeting_views.meeting_add, name="meeting_add"),
    path("meetings/<int:pk>/edit/", meeting_views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/cancel/", meeting_views.meeting_cancel, name="meeting_cancel"),
    # Meeting brief (deals/views/meeting_brief.py) and calendar files (deals/views/calendar.py)
    path("meetings/<int:pk>/brief/", meeting_brief.meeting_brief, name="meeting_brief"),
    path("meetings/<int:pk>/calendar.ics", calendar.meeting_ics, name="meeting_ics"),
    # Meeting mode (deals/views/live.py; the socket is deals/views/live_socket.py)
    path("meetings/<int:pk>/live/", live_views.meeting_live, name="meeting_live"),
    path("meetings/<int:pk>/live/since/<int:seq>/", live_views.live_since, name="live_since"),
    path("meetings/<int:pk>/live/ask/", live_views.live_ask, name="live_ask"),
    path("meetings/<int:pk>/live/notes/", live_views.live_notes, name="live_notes"),
    path("live/questions/<int:pk>/answer/", live_views.live_answer, name="live_answer"),
    path("offline/", live_views.offline_pages, name="offline_pages"),
    path("consultations/<int:pk>/calendar.ics", calendar.consultation_ics, name="consultation_ics"),
    # Briefings and approvals (deals/views/briefings.py)
    path("<int:pk>/briefing/", briefings.briefing_edit, name="briefing_edit"),
    path("<int:pk>/briefing/submit/", briefings.briefing_submit, name="briefing_submit"),
    path("<int:pk>/briefing/approve/", briefings.briefing_approve, name="briefing_approve"),
    path("<int:pk>/briefing/return/", briefings.briefing_return, name="briefing_return"),
    path("<int:pk>/briefing/history/", briefings.briefing_history, name="briefing_history"),
    path("approvals/", briefings.approval_queue, name="approvals"),
    # The boss's guidelines, on the briefing's thread (deals/views/guidelines.py)
    path("<int:pk>/guidelines/ask/", guideline_views.guidelines_ask, name="guidelines_ask"),
    path("<int:pk>/guidelines/give/", guideline_views.guidelines_give, name="guidelines_give"),
    # Delegations of approvals (deals/views/delegations.py)
    path("delegations/", delegations.delegations, name="delegations"),
    path("delegations/<int:pk>/edit/", delegations.delegation_edit, name="delegation_edit"),
    path("delegations/<int:pk>/delete/", delegations.delegation_delete, name="delegation_delete"),
    # On-call cover and co-negotiators (deals/views/cover.py)
    path("meetings/<int:pk>/on-call/new/", cover.on_call_new, name="on_call_new"),
    path("on-call/<int:pk>/edit/", cover.on_call_edit, name="on_call_edit"),
    path("on-call/<int:pk>/answer/", cover.on_call_answer, name="on_call_answer"),
    path("on-call/<int:pk>/remove/", cover.on_call_delete, name="on_call_remove"),
    path("meetings/<int:pk>/co-negotiator/", cover.co_negotiator_new, name="co_negotiator_new"),
    path("co-negotiators/<int:pk>/answer/", cover.co_negotiator_answer, name="co_negotiator_answer"),
    path("cover/", cover.cover_requests_list, name="cover_invitations"),
    # Consultations (deals/views/consultations.py)
    path("consultations/", consultation_views.consultations_list, name="consultations"),
    path("<int:pk>/consultations/new/", consultation_views.consultation_add, name="consultation_add"),
    path("<int:pk>/consultations/ask/", consultation_views.consultations_ask, name="consultations_ask"),
    path(
        "consultations/<int:pk>/request/",
        consultation_views.consultation_request,
        name="consultation_request",
    ),
    path(
        "consultations/<int:pk>/answer/",
        consultation_views.consultation_answer,
        name="consultation_answer",
    ),
    path(
        "consultations/<int:pk>/remove/", consultation_views.consultation_remove, name="consultation_remove"
    ),
    path("consultations/<int:pk>/waive/", consultation_views.consultation_waive, name="consultation_waive"),
    # Payment terms (deals/views/payments.py)
    path("<int:pk>/payment-terms/new/", payment_views.payment_request_new, name="payment_request_new"),
    path("<int:pk>/payment-terms/check/", payment_views.payment_request_check, name="payment_request_check"),
    path("payment-terms/<int:pk>/", payment_views.payment_request_detail, name="payment_request"),
    path("payment-terms/<int:pk>/edit/", payment_views.payment_request_edit, name="payment_request_edit"),
    path("<int:pk>/payment-terms/", payment_views.deal_payment_requests, name="payment_requests"),
    path(
        "payment-terms/<int:pk>/decide/",
        payment_views.payment_request_decide,
        name="payment_request_decide",
    ),
    path("finance/", payment_views.finance_queue, name="finance_queue"),
    path("finance/policy/", payment_views.finance_policy, name="finance_policy"),
    # Negotiation reports and results (deals/views/reports.py)
    path("meetings/<int:pk>/report/", report_views.report_file, name="report_file"),
    path("reports/<int:pk>/", report_views.report_detail, name="report_detail"),
    path("results/", report_views.team_results, name="team_results"),
    path("results/export/", export_views.team_results_export, name="team_results_export"),
    path("reports/", report_views.reports_list, name="reports"),
    path("reports/export/", export_views.reports_export, name="reports_export"),
    path("reports/to-file/", report_views.reports_to_file_list, name="reports_to_file"),
    path("escalations/", report_views.escalations_list, name="escalations"),
    # Contacts (deals/views/contacts.py)
    path("<int:pk>/contacts/new/", contact_views.contact_add, name="contact_add"),
    path("<int:pk>/contacts/<int:contact_pk>/edit/", contact_views.contact_edit, name="contact_edit"),
    path(
        "<int:pk>/contacts/<int:contact_pk>/archive/", contact_views.contact_archive, name="contact_archive"
    ),
    path(
        "<int:pk>/contacts/<int:contact_pk>/restore/", contact_views.contact_restore, name="contact_restore"
    ),
    # Webhooks, in the managers' area (deals/views/webhooks.py)
    path("webhooks/", webhook_views.webhooks, name="webhooks"),
    path("webhooks/<int:pk>/", webhook_views.webhook_endpoint, name="webhook_endpoint"),
    path("webhooks/<int:pk>/rotate-secret/", webhook_views.webhook_rotate, name="webhook_rotate"),
    path("webhooks/<int:pk>/test/", webhook_views.webhook_test, name="webhook_test"),
    path("webhooks/<int:pk>/remove/", webhook_views.webhook_delete, name="webhook_delete"),
    path(
        "webhooks/deliveries/<int:pk>/redeliver/", webhook_views.webhook_redeliver, name="webhook_redeliver"
    ),
    # Importing customers, contacts and deals from a file (deals/views/imports.py)
    path("imports/", import_views.import_start, name="import_start"),
    path("imports/sample.csv", import_views.import_sample, name="import_sample"),
    path("imports/<int:pk>/", import_views.import_job, name="import_job"),
    path("imports/<int:pk>/progress/", import_views.import_progress, name="import_progress"),
    path("imports/<int:pk>/confirm/", import_views.import_confirm, name="import_confirm"),
]
