"""Permissions-Policy and Reporting-Endpoints, on every page (negprep.middleware)."""

import re

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

UNUSED = ["camera", "microphone", "geolocation", "payment", "usb", "serial", "hid", "interest-cohort"]


def _features(response) -> dict[str, str]:
    return dict(part.strip().split("=", 1) for part in response["Permissions-Policy"].split(","))


@pytest.mark.django_db
def test_it_denies_the_features_negprep_does_not_use_on_a_public_page(client):
    features = _features(client.get(reverse("login")))

    for feature in UNUSED:
        assert features[feature] == "()", feature
    assert set(features.values()) == {"()"}
    assert list(features) == settings.NEGPREP_PERMISSIONS_POLICY_DENY


def test_it_denies_them_on_a_signed_in_page_too(client, world):
    client.force_login(world.members["manager"])
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert set(_features(response)) == set(settings.NEGPREP_PERMISSIONS_POLICY_DENY)


@pytest.mark.django_db
def test_it_names_where_the_reporting_api_sends_policy_reports(client):
    response = client.get(reverse("login"))
    assert response["Reporting-Endpoints"] == 'csp="/csp-report/"'
    assert re.search(r"(^|; )report-to csp(;|$)", response["Content-Security-Policy"])


@pytest.mark.django_db
def test_it_keeps_a_permissions_policy_a_view_set_itself(client, rf, settings):
    from django.http import HttpResponse

    from negprep.middleware import SecurityHeadersMiddleware

    def view(request):
        response = HttpResponse()
        response["Permissions-Policy"] = "camera=(self)"
        return response

    response = SecurityHeadersMiddleware(view)(rf.get("/"))
    assert response["Permissions-Policy"] == "camera=(self)"


@pytest.mark.django_db
@override_settings(ALLOWED_HOSTS=["negprep.example"])
def test_a_refused_host_gets_the_400_page_not_a_server_error(client):
    """The 400 page is rendered before authentication ran: the layout must not need a user."""
    response = client.get("/accounts/login/", HTTP_HOST="attacker.example")
    assert response.status_code == 400
