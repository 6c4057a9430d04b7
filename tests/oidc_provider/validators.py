from datetime import timedelta

from django.utils import timezone
from oauth2_provider.oauth2_validators import OAuth2Validator

from tests.oidc_provider.models import Person


class ClaimsValidator(OAuth2Validator):
    # Every claim goes out whatever the scopes (the tests choose the claims per person).
    oidc_claim_scope = None

    def get_additional_claims(self, request):
        person = Person.objects.filter(user=request.user).first()
        return dict(person.claims) if person else {}

    def get_id_token_dictionary(self, token, token_handler, request):
        claims, expiration_time = super().get_id_token_dictionary(token, token_handler, request)
        person = Person.objects.filter(user=request.user).first()
        changes = person.id_token if person else {}
        if "expires_in" in changes:
            expiration_time = timezone.now() + timedelta(seconds=changes["expires_in"])
            claims["exp"] = int(expiration_time.timestamp())
        if "aud" in changes:
            claims["aud"] = changes["aud"]
        if "azp" in changes:
            claims["azp"] = changes["azp"]
        return claims, expiration_time
