import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.access_matrix import ACCESS_MATRIX, LOGIN, VISITORS


def _walk(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield namespace, pattern


def project_url_names():
    """Every URL of the project outside the admin site (tested below)."""
    names, unnamed = set(), []
    for namespace, pattern in _walk(get_resolver().url_patterns):
        if namespace.startswith("admin:"):
            continue
        if not pattern.name:
            unnamed.append(str(pattern.pattern))
        else:
            names.add(namespace + pattern.name)
    return names, unnamed


def test_every_url_is_in_the_access_matrix():
    names, unnamed = project_url_names()
    assert not unnamed, f"Give these URLs a name and an access-matrix entry: {unnamed}"
    missing = sorted(names - ACCESS_MATRIX.keys())
    assert not missing, f"Add these URLs to tests/access_matrix.py: {missing}"
    stale = sorted(ACCESS_MATRIX.keys() - names)
    assert not stale, f"These access-matrix entries name no URL: {stale}"


def test_every_entry_answers_for_every_visitor():
    for name, entry in ACCESS_MATRIX.items():
        assert set(entry.answers) == set(VISITORS), name


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize("name", sorted(ACCESS_MATRIX))
def test_access(client, world, name, visitor):
    user = world.user(visitor)
    if user is not None:
        client.force_login(user)
    for entry in (ACCESS_MATRIX[name], *ACCESS_MATRIX[name].also):
        assert set(entry.answers) == set(VISITORS), name
        url = entry.url(world)
        response = entry.send(client, url, world)
        expected = entry.answers[visitor]
        if expected == LOGIN:
            assert response.status_code == 302, f"{visitor} {entry.method} {url}"
            assert response["Location"].startswith(reverse("login") + "?next="), response["Location"]
        else:
            assert response.status_code == expected, f"{visitor} {entry.method} {url}: {response.status_code}"


def _admin_urls(world):
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        obj = model._default_manager.first()
        if obj is not None:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
    return urls


@pytest.mark.parametrize("visitor", ["anonymous", "rep", "manager", "outsider"])
def test_admin_is_for_staff_only(client, world, visitor):
    user = world.user(visitor)
    if user is not None:
        client.force_login(user)
    for url in _admin_urls(world):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith((reverse("admin:login"), reverse("login"))), url


def test_admin_opens_for_staff(client, world):
    client.force_login(world.staff)
    for url in _admin_urls(world):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("visitor", VISITORS)
def test_the_meeting_socket_admits_the_people_of_the_meeting_only(transactional_db, world, visitor):
    from tests.access_matrix import SOCKET_ACCESS
    from tests.live_sockets import connection_answer, run

    path = f"/ws/meetings/{world.objects['meeting'].pk}/"
    assert run(connection_answer, path, world.user(visitor)) == SOCKET_ACCESS[visitor], visitor
