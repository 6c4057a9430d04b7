from django.core.management.base import BaseCommand, CommandError

from deals.models import Contact
from deals.services.retention import contact_erase
from negprep.errors import Invalid


class Command(BaseCommand):
    help = (
        "Erase a customer contact's personal data on request: name, title, e-mail, phone and notes "
        "become a placeholder, also where people wrote them on the customer's deals; the deals' "
        "figures stay. Each of the customer's deals records it on its timeline with the reason."
    )

    def add_arguments(self, parser):
        parser.add_argument("--contact", required=True, type=int, help="The contact's id.")
        parser.add_argument("--reason", required=True, help="Why, e.g. the request's reference.")

    def handle(self, *args, contact, reason, **options):
        found = Contact.objects.filter(pk=contact).first()
        if found is None:
            raise CommandError(f"No contact with the id {contact}.")
        try:
            erasure = contact_erase(contact=found, reason=reason)
        except Invalid as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Erased the personal data of contact {contact} at {erasure.contact.customer.name}: "
            f"{erasure.rows} record{'s' if erasure.rows != 1 else ''} rewritten, the timeline of "
            f"{erasure.deals} deal{'s' if erasure.deals != 1 else ''} notes it."
        )
