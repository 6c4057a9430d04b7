"""Deals, customers, contacts and meetings: read through the access gates, written through the
services, with the pages' forms checking the input."""

import copy

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status

from deals.access import (
    deal_for_owner,
    deal_for_user,
    deal_in_full,
    deals_for_user,
    listed_deals,
    meeting_for_owner,
    meeting_in_full,
    sees_whole_deal,
)
from deals.api import serializers as out
from deals.api.common import body, detail, filtered, filters, guarded, merged, page, valid, valid_together
from deals.api.schema import body_of
from deals.forms.contacts import ContactForm
from deals.forms.deals import DealCustomerForm, DealForm
from deals.forms.meetings import FirstMeetingForm, MeetingForm
from deals.models import OPEN_DEAL_STATUSES, Contact, Customer, Deal, DealStatus, Meeting
from deals.selectors.deals import with_next_meeting
from deals.selectors.readiness import readiness_for_deal
from deals.services import contacts as contact_services
from deals.services import deals as deal_services
from deals.services import meetings as meeting_services
from negprep.api import ApiView
from negprep.errors import NotAllowed
from teams.models import Role, Team

LIST_FILTERS = [
    OpenApiParameter("updated_since", str, description="ISO date-time: only what changed since."),
    OpenApiParameter("team", int),
    OpenApiParameter("status", str),
    OpenApiParameter("meeting_from", str, description="Date: the next meeting on or after it."),
    OpenApiParameter("meeting_to", str, description="Date: the next meeting on or before it."),
]


# Deals -------------------------------------------------------------------------------------


class DealList(ApiView):
    @extend_schema(parameters=LIST_FILTERS, responses=out.DealSerializer(many=True))
    def get(self, request):
        """The deals the user sees (as the deal list: managers also get the archived ones)."""
        chosen = filters(request, statuses=[*DealStatus.values, "open"])
        archived = "include" if chosen.get("status") in {"won", "lost", "withdrawn"} else ""
        deals = with_next_meeting(listed_deals(user=request.user, archived=archived))
        deals = filtered(deals.select_related("customer", "owner"), chosen, meeting="next_meeting_at")
        if status_ := chosen.get("status"):
            open_ = status_ == "open"
            deals = deals.filter(status__in=OPEN_DEAL_STATUSES) if open_ else deals.filter(status=status_)
        return page(self, request, deals.order_by("-created_at", "-pk"), out.DealSerializer)

    @extend_schema(
        request=body_of(
            "DealCreate",
            DealCustomerForm,
            DealForm,
            extra={"first_meeting": body_of("FirstMeeting", FirstMeetingForm)},
        ),
        responses={201: out.DealDetailSerializer},
    )
    def post(self, request):
        """Create a deal with its customer (``customer`` id, or ``new_customer_name``), the contacts
        we meet (``contacts``: ids) and its first meeting (``first_meeting``: starts_at, ends_at,
        stage, location, video_link)."""
        data = body(request, objects=("first_meeting",))
        teams = list(
            Team.objects.filter(memberships__user=request.user, memberships__role=Role.REP).distinct()
        )
        if not teams:
            raise NotAllowed("Only sales reps create deals.")
        meeting_data = data.get("first_meeting")
        chosen, terms, meeting = valid_together(
            DealCustomerForm(data, teams=teams),
            DealForm({name: data[name] for name in DealForm.base_fields if name in data}),
            ("first_meeting", FirstMeetingForm(meeting_data if isinstance(meeting_data, dict) else {})),
        )
        new_name = chosen["new_customer_name"].strip()
        deal = deal_services.deal_create(
            team=chosen["team"],
            owner=request.user,
            customer=chosen["customer"],
            new_customer={"name": new_name, "industry": chosen["new_customer_industry"]}
            if new_name
            else None,
            contact_ids=[contact.pk for contact in chosen["contacts"]],
            **terms,
            first_meeting=meeting,
        )
        return _deal_answer(request, deal.pk, status=status.HTTP_201_CREATED)


def _deal_answer(request, pk: int, *, status: int = 200):
    deal = deal_for_user(user=request.user, pk=pk)
    deal.next_meeting_at = with_next_meeting(Deal.objects.filter(pk=pk)).values_list(
        "next_meeting_at", flat=True
    )[0]
    readiness = readiness_for_deal(deal) if sees_whole_deal(user=request.user, deal=deal) else None
    data = out.DealDetailSerializer(deal, context={"readiness": readiness}).data
    return detail(data, revision=deal.revision, status=status)


class DealDetail(ApiView):
    @extend_schema(responses=out.DealDetailSerializer)
    def get(self, request, pk):
        """The deal with its readiness (null for a department, which sees a summary)."""
        return _deal_answer(request, pk)

    @extend_schema(request=body_of("DealUpdate", DealForm), responses=out.DealDetailSerializer)
    def patch(self, request, pk):
        """Change the deal's terms; send ``If-Match`` with its ETag."""
        deal = deal_for_owner(user=request.user, pk=pk)
        terms = valid(DealForm(merged(deal, DealForm, body(request)), instance=copy.copy(deal)))
        guarded(
            deal_services.deal_update,
            model=Deal,
            pk=deal.pk,
            request=request,
            what="this deal",
            deal=deal,
            by=request.user,
            **terms,
        )
        return _deal_answer(request, pk)


# Customers ---------------------------------------------------------------------------------


def _customers(user):
    """The customers of the deals the user sees."""
    return Customer.objects.filter(pk__in=deals_for_user(user=user).values("customer_id"))


class CustomerList(ApiView):
    @extend_schema(parameters=LIST_FILTERS[1:2], responses=out.CustomerSerializer(many=True))
    def get(self, request):
        chosen = filters(request)
        customers = filtered(_customers(request.user), chosen, updated="created_at")
        return page(self, request, customers.order_by("name", "pk"), out.CustomerSerializer)


class CustomerDetail(ApiView):
    @extend_schema(responses=out.CustomerSerializer)
    def get(self, request, pk):
        customer = _customers(request.user).filter(pk=pk).first()
        if customer is None:
            raise Http404("No such customer.")
        return detail(out.CustomerSerializer(customer).data, revision=None)


# Contacts ----------------------------------------------------------------------------------


class DealContacts(ApiView):
    @extend_schema(responses=out.ContactSerializer(many=True))
    def get(self, request, pk):
        """The contacts of the deal's customer (archived ones too)."""
        deal = deal_in_full(user=request.user, pk=pk)
        contacts = filtered(Contact.objects.filter(customer_id=deal.customer_id), filters(request), team=None)
        return page(self, request, contacts.order_by("name", "pk"), out.ContactSerializer)

    @extend_schema(request=body_of("ContactWrite", ContactForm), responses={201: out.ContactSerializer})
    def post(self, request, pk):
        deal = deal_for_owner(user=request.user, pk=pk)
        values = valid(ContactForm(body(request)))
        contact = contact_services.contact_add(deal=deal, by=request.user, **values)
        return detail(out.ContactSerializer(contact).data, revision=contact.revision, status=201)


class DealContact(ApiView):
    def _contact(self, deal, contact_pk) -> Contact:
        contact = Contact.objects.filter(pk=contact_pk, customer_id=deal.customer_id).first()
        if contact is None:
            raise Http404("No such contact.")
        return contact

    @extend_schema(responses=out.ContactSerializer)
    def get(self, request, pk, contact_pk):
        contact = self._contact(deal_in_full(user=request.user, pk=pk), contact_pk)
        return detail(out.ContactSerializer(contact).data, revision=contact.revision)

    @extend_schema(request=body_of("ContactWrite", ContactForm), responses=out.ContactSerializer)
    def patch(self, request, pk, contact_pk):
        """Correct the contact; send ``If-Match`` with its ETag."""
        deal = deal_for_owner(user=request.user, pk=pk)
        contact = self._contact(deal, contact_pk)
        values = valid(ContactForm(merged(contact, ContactForm, body(request)), instance=copy.copy(contact)))
        guarded(
            contact_services.contact_update,
            model=Contact,
            pk=contact.pk,
            request=request,
            what="this contact",
            contact=contact,
            deal=deal,
            by=request.user,
            **values,
        )
        contact.refresh_from_db()
        return detail(out.ContactSerializer(contact).data, revision=contact.revision)


# Meetings ----------------------------------------------------------------------------------


def _meeting_answer(meeting_pk: int, *, status: int = 200):
    meeting = Meeting.objects.prefetch_related("contacts").get(pk=meeting_pk)
    return detail(out.MeetingSerializer(meeting).data, revision=meeting.revision, status=status)


class DealMeetings(ApiView):
    @extend_schema(parameters=LIST_FILTERS[:1] + LIST_FILTERS[3:], responses=out.MeetingSerializer(many=True))
    def get(self, request, pk):
        """The deal's meetings, soonest first; ``meeting_from``/``meeting_to`` bound their start."""
        deal = deal_in_full(user=request.user, pk=pk)
        meetings = filtered(
            deal.meetings.prefetch_related("contacts"), filters(request), team=None, meeting="starts_at"
        )
        return page(self, request, meetings.order_by("starts_at", "pk"), out.MeetingSerializer)

    @extend_schema(request=body_of("MeetingWrite", MeetingForm), responses={201: out.MeetingSerializer})
    def post(self, request, pk):
        deal = deal_for_owner(user=request.user, pk=pk)
        values = valid(MeetingForm(body(request), deal=deal))
        meeting = meeting_services.meeting_add(deal=deal, by=request.user, **values)
        return _meeting_answer(meeting.pk, status=201)


class MeetingDetail(ApiView):
    @extend_schema(responses=out.MeetingSerializer)
    def get(self, request, pk):
        meeting = meeting_in_full(user=request.user, pk=pk)
        return _meeting_answer(meeting.pk)

    @extend_schema(request=body_of("MeetingWrite", MeetingForm), responses=out.MeetingSerializer)
    def patch(self, request, pk):
        """Move the meeting or change its place, stage or contacts; send ``If-Match`` with its ETag."""
        meeting = meeting_for_owner(user=request.user, pk=pk)
        data = merged(meeting, MeetingForm, body(request))
        if isinstance(data.get("contacts"), list):
            data["contacts"] = [getattr(contact, "pk", contact) for contact in data["contacts"]]
        values = valid(MeetingForm(data, instance=copy.copy(meeting), deal=meeting.deal))
        guarded(
            meeting_services.meeting_move,
            model=Meeting,
            pk=meeting.pk,
            request=request,
            what="this meeting",
            meeting=meeting,
            by=request.user,
            **values,
        )
        return _meeting_answer(meeting.pk)
