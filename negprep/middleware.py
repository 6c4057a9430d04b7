from django.conf import settings


class SecurityHeadersMiddleware:
    """The security headers that neither Django's SecurityMiddleware nor django-csp sends.

    Permissions-Policy turns off the browser features NegPrep never uses (camera, microphone,
    geolocation, payment, USB, ...), for its pages and anything embedded in them, so that a
    script that got in anyway could not ask for them. Reporting-Endpoints names where the
    Content-Security-Policy's ``report-to`` sends its reports.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.permissions_policy = ", ".join(
            f"{feature}=()" for feature in settings.NEGPREP_PERMISSIONS_POLICY_DENY
        )

    def __call__(self, request):
        response = self.get_response(request)
        if self.permissions_policy:
            response.setdefault("Permissions-Policy", self.permissions_policy)
        endpoints = settings.NEGPREP_REPORTING_ENDPOINTS
        if endpoints:
            response.setdefault(
                "Reporting-Endpoints", ", ".join(f'{name}="{url}"' for name, url in endpoints.items())
            )
        return response
