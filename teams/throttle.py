"""Fixed-window request counters in the cache, for actions that axes does not cover."""

import hashlib

from django.conf import settings
from django.core.cache import cache

HOUR = 60 * 60


def _hit(key: str, *, window: int) -> int:
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def throttle_allows(*, action: str, keys: dict[str, str], limit: int, window: int = HOUR) -> bool:
    """Count one request under every key; False once any of them went over ``limit``.

    Keys are hashed, so an e-mail address is neither stored in the cache nor
    able to break its key format.
    """
    allowed = True
    for kind, value in keys.items():
        digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()
        if _hit(f"throttle:{action}:{kind}:{digest}", window=window) > limit:
            allowed = False
    return allowed


def client_ip(request) -> str:
    """The address the request came from, for sign-in lockouts and these counters.

    Behind NEGPREP_PROXY_COUNT reverse proxies (each appending to X-Forwarded-For)
    it is the address the outermost proxy saw; without proxies it is REMOTE_ADDR,
    and a forged X-Forwarded-For header is ignored.
    """
    count = settings.NEGPREP_PROXY_COUNT
    if count:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR", "")
