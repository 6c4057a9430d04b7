import zoneinfo

from django.utils import timezone
from django.utils.cache import add_never_cache_headers


class UserTimezoneMiddleware:
    """Shows every time in the signed-in user's own time zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.time_zone:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


class PrivatePagesMiddleware:
    """Every answer to a signed-in user is marked never to be stored.

    Deal pages, briefings, reports and their fragments show limits, the BATNA and
    payment terms: neither a shared proxy nor the browser may keep a copy, so that
    after sign-out the back button asks the server again (and gets the login page)
    instead of showing a stored deal. Static files never get here (WhiteNoise
    answers them first); anonymous pages keep their caching.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        signed_in = request.user.is_authenticated
        response = self.get_response(request)
        if signed_in or request.user.is_authenticated:
            add_never_cache_headers(response)
        return response
