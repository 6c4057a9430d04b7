from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from teams.models import Membership, Role, Team, User

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save_password(user, create, extracted, **kwargs):
        if create:
            user.save()


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Sales team {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)
    role = Role.REP
    phone = "+49 30 1234567"


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "deals.Customer"

    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"Customer {n} GmbH")
    industry = "Manufacturing"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "deals.Contact"

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Faker("name")
    title = "Head of Purchasing"
    buying_role = "economic_buyer"
    cares_about = "Total cost of ownership"


class DealFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "deals.Deal"
        skip_postgeneration_save = True

    team = factory.SubFactory(TeamFactory)
    owner = factory.SubFactory(UserFactory)
    customer = factory.SubFactory(CustomerFactory, team=factory.SelfAttribute("..team"))
    title = factory.Sequence(lambda n: f"Deal {n}")
    scope = "500 hydraulic valves, model HV-200"
    quantity = 500
    estimated_value = Decimal("125000.00")
    currency = "EUR"

    @factory.post_generation
    def briefing(deal, create, extracted, **kwargs):
        if create:
            from deals.models import Briefing

            Briefing.objects.get_or_create(deal=deal, defaults={"currency": deal.currency})


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "deals.Meeting"
        skip_postgeneration_save = True

    deal = factory.SubFactory(DealFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))
    ends_at = factory.LazyAttribute(lambda m: m.starts_at + timedelta(hours=2))
    location = "Customer HQ, meeting room 2"
    stage = "negotiation"

    @factory.post_generation
    def contacts(meeting, create, extracted, **kwargs):
        if create and extracted:
            meeting.contacts.set(extracted)


class OnCallFactory(factory.django.DjangoModelFactory):
    """An accepted on-call commitment covering the meeting with a quarter hour either side."""

    class Meta:
        model = "deals.OnCall"

    meeting = factory.SubFactory(MeetingFactory)
    member = factory.SubFactory(UserFactory)
    topic = "technical specs"
    phone = "+49 30 5550103"
    status = "accepted"
    available_from = factory.LazyAttribute(lambda o: o.meeting.starts_at - timedelta(minutes=15))
    available_to = factory.LazyAttribute(lambda o: o.meeting.ends_at + timedelta(minutes=15))


class CoNegotiatorRequestFactory(factory.django.DjangoModelFactory):
    """A colleague asked to come along to the meeting, not answered yet."""

    class Meta:
        model = "deals.CoNegotiatorRequest"

    meeting = factory.SubFactory(MeetingFactory)
    member = factory.SubFactory(UserFactory)


class ConsultationFactory(factory.django.DjangoModelFactory):
    """A production consultation that nobody has asked yet."""

    class Meta:
        model = "deals.Consultation"

    deal = factory.SubFactory(DealFactory)
    department = "production"


class FinancePolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "deals.FinancePolicy"

    team = factory.SubFactory(TeamFactory)


class PaymentTermRequestFactory(factory.django.DjangoModelFactory):
    """Terms the deal's owner asked finance for, waiting for a decision."""

    class Meta:
        model = "deals.PaymentTermRequest"

    deal = factory.SubFactory(DealFactory)
    requested_by = factory.SelfAttribute("deal.owner")
    net_days = 60
    customer_reason = "Cash flow"


class NegotiationReportFactory(factory.django.DjangoModelFactory):
    """The deal owner's report on the meeting: talks continue, no figures agreed yet."""

    class Meta:
        model = "deals.NegotiationReport"

    meeting = factory.SubFactory(
        MeetingFactory, starts_at=factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    )
    filed_by = factory.SelfAttribute("meeting.deal.owner")
    outcome = "continue"


class ActivityFactory(factory.django.DjangoModelFactory):
    """An entry of the deal's timeline, by nobody unless ``actor`` says."""

    class Meta:
        model = "deals.Activity"

    deal = factory.SubFactory(DealFactory)
    verb = "note"
    summary = factory.Sequence(lambda n: f"note {n}")


class BriefingVersionFactory(factory.django.DjangoModelFactory):
    """A submitted version of a new deal's briefing, with empty limits unless ``snapshot`` says."""

    class Meta:
        model = "deals.BriefingVersion"

    briefing = factory.LazyFunction(lambda: DealFactory().briefing)
    number = 1
    snapshot = factory.LazyFunction(lambda: {"limits": {}, "pitch_points": []})
    submitted_by = factory.SelfAttribute("briefing.deal.owner")
    submitted_at = factory.LazyFunction(timezone.now)


class ApprovalDelegationFactory(factory.django.DjangoModelFactory):
    """A manager away for the coming week; their deputy decides for them."""

    class Meta:
        model = "deals.ApprovalDelegation"

    team = factory.SubFactory(TeamFactory)
    manager = factory.SubFactory(UserFactory)
    delegate = factory.SubFactory(UserFactory)
    starts_on = factory.LazyFunction(timezone.localdate)
    ends_on = factory.LazyAttribute(lambda d: d.starts_on + timedelta(days=7))


class NotificationFactory(factory.django.DjangoModelFactory):
    """An unread line in the recipient's inbox."""

    class Meta:
        model = "teams.Notification"

    recipient = factory.SubFactory(UserFactory)
    kind = "briefing_submitted"
    title = factory.Sequence(lambda n: f"Notification {n}")
    url = "/"
