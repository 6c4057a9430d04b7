"""What the tests set up at the provider: people (with their claims) and clients."""

import json

from django.contrib.auth.models import User
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from oauth2_provider.models import Application

from tests.oidc_provider.models import Person


@csrf_exempt
@require_POST
def person(request):
    data = json.loads(request.body)
    user, _ = User.objects.get_or_create(username=data["username"])
    user.set_password(data["password"])
    user.email = data.get("claims", {}).get("email", "")
    user.save()
    Person.objects.update_or_create(
        user=user, defaults={"claims": data.get("claims", {}), "id_token": data.get("id_token", {})}
    )
    return JsonResponse({"sub": str(user.pk)})


@csrf_exempt
@require_POST
def client(request):
    data = json.loads(request.body)
    Application.objects.update_or_create(
        client_id=data["client_id"],
        defaults={
            "name": data["client_id"],
            "client_secret": data["client_secret"],
            "client_type": Application.CLIENT_CONFIDENTIAL,
            "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
            "redirect_uris": " ".join(data["redirect_uris"]),
            "algorithm": Application.RS256_ALGORITHM,
            "skip_authorization": True,
        },
    )
    return JsonResponse({"client_id": data["client_id"]})
