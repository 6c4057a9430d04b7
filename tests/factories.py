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
