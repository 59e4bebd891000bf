"""Cache of the public read pages, keyed by a public-data version that writes bump.

What is cached is strictly *public* data, the same for every visitor:

- `memoize()` keeps a selector's output (leaderboard rows, a task's figures...) for any request;
- `public_page` keeps a whole response, but only for anonymous requests that carry no cookie and
  no Authorization header: such a request cannot have a session, a user, messages or a CSRF
  token, so its response holds nothing per-user. Every other request runs the view (which may
  still hit `memoize()`).

Keys hold the *public-data version* of an area ("leaderboard", "tasks"): a random token stored
in the cache. `public_data_changed()` replaces it, so every entry of the area is abandoned at
once (entries are never deleted one by one; `MERCURY_PAGE_CACHE_SECONDS` expires them). Every
write that changes what the public pages show must call it after the change: a submission
finishing (aggregation), hidden or shown, rejudged or deleted; tasks (re)loaded; a calibration
stored; admin edits of those rows. Inside a transaction it replaces the version at once and again
on commit, so a page rebuilt from the not yet committed state in between is abandoned too.

Moderation (or any rule about who may see a row) must keep the cached data public-only: add a
user's own private rows to the cached public ones outside the cache, never inside it, and call
`public_data_changed()` whenever an entry becomes public or stops being public.

The cache failing (Redis down, slow, or evicting) never fails a page: the page is computed
uncached and a warning is logged at most once a minute.
"""

import functools
import hashlib
import logging
import pickle
import secrets
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import django
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from redis.exceptions import RedisError

from evaluator.host import HARNESS_VERSION
from portal.selectors import current_host

log = logging.getLogger(__name__)

LEADERBOARD = "leaderboard"
TASKS = "tasks"
AREAS = (LEADERBOARD, TASKS)
_WARN_EVERY_S = 60.0
_last_warning = 0.0
# What a cache that is down, slow or full raises; a page is then computed uncached.
CACHE_ERRORS = (RedisError, OSError, pickle.UnpicklingError, EOFError)


def _warn(what: str, exc: Exception) -> None:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning >= _WARN_EVERY_S:
        _last_warning = now
        log.warning(
            "page cache %s failed (%s: %s); serving uncached", what, type(exc).__name__, exc
        )


def enabled() -> bool:
    """Whether the page cache is on (MERCURY_PAGE_CACHE_SECONDS > 0)."""
    return settings.MERCURY_PAGE_CACHE_SECONDS > 0


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of the portal's code, templates and Django version, the harness and this host:
    a deploy never reads (pickled) entries written by the last one."""
    root = Path(settings.BASE_DIR)
    digest = hashlib.sha256(f"{django.get_version()}\0{HARNESS_VERSION}\0{current_host()}".encode())
    for path in sorted([*root.glob("portal/**/*.py"), *root.glob("templates/**/*.html")]):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def _version_key(area: str) -> str:
    return f"public-version:{area}"


def public_version(area: str = LEADERBOARD) -> str:
    """The current public-data version of `area` (created when the cache has none)."""
    key = _version_key(area)
    version = cache.get(key)
    if version is None:
        cache.add(key, secrets.token_hex(8), timeout=None)
        version = cache.get(key)
    return str(version)


def _bump(areas: tuple[str, ...]) -> None:
    try:
        cache.set_many({_version_key(area): secrets.token_hex(8) for area in areas}, timeout=None)
    except CACHE_ERRORS as exc:
        # Entries of the old version may now be served until MERCURY_PAGE_CACHE_SECONDS pass.
        log.error("could not invalidate the page cache (%s: %s)", type(exc).__name__, exc)


def public_data_changed(*areas: str) -> None:
    """Invalidate the cached public pages of `areas` (default: all), now and on commit."""
    chosen = tuple(areas) or AREAS
    _bump(chosen)
    if not transaction.get_autocommit():
        transaction.on_commit(functools.partial(_bump, chosen), robust=True)


def cache_key(area: str, name: str, params: Mapping[str, Any], version: str) -> str:
    """The key of one entry: area, version, code, name and the normalized parameters."""
    canonical = "&".join(f"{key}={params[key]}" for key in sorted(params))
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:24]
    return f"page:{area}:{version}:{code_version()}:{name}:{digest}"


def _lookup(area: str, name: str, params: Mapping[str, Any]) -> tuple[str | None, Any]:
    """(key, cached value or None); (None, None) when the cache cannot be read."""
    try:
        key = cache_key(area, name, params, public_version(area))
        return key, cache.get(key)
    except CACHE_ERRORS as exc:
        _warn("read", exc)
        return None, None


def _store(key: str | None, value: Any) -> None:
    if key is None:
        return
    try:
        cache.set(key, value)
    except CACHE_ERRORS as exc:
        _warn("write", exc)


def memoize[T](area: str, name: str, params: Mapping[str, Any], compute: Callable[[], T]) -> T:
    """`compute()`'s result from the cache, else computed and stored. Public data only.

    `params` must be the normalized inputs (e.g. `LeaderboardQuery.params()`), so equivalent
    URLs share one entry and junk parameters add none.
    """
    if not enabled():
        return compute()
    key, found = _lookup(area, name, params)
    if found is not None:
        return found  # type: ignore[no-any-return]
    value = compute()
    _store(key, value)
    return value


def is_anonymous_public(request: HttpRequest) -> bool:
    """A GET without cookies or credentials: its response can hold nothing per-user."""
    return (
        request.method == "GET" and not request.COOKIES and "authorization" not in request.headers
    )


def public_page(
    area: str, params: Callable[..., Mapping[str, Any]]
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Cache a public view's whole 200 responses for anonymous, cookie-less requests.

    `params(request, *args, **kwargs)` gives the normalized inputs the page depends on (the
    URL's keyword arguments are added). A response that sets a cookie or varies on one is
    never stored. Responses say `X-Cache: hit` or `miss` when the cache took part.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        name = f"{view.__module__}.{view.__qualname__}"

        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not (enabled() and is_anonymous_public(request)):
                return view(request, *args, **kwargs)
            key, found = _lookup(area, name, {**params(request, *args, **kwargs), **kwargs})
            if found is not None:
                status, headers, content = found
                response = HttpResponse(content, status=status, headers=headers)
                response["X-Cache"] = "hit"
                return response
            response = view(request, *args, **kwargs)
            if key is not None and _storable(response):
                _store(key, (response.status_code, dict(response.items()), response.content))
                response["X-Cache"] = "miss"
            return response

        return wrapper

    return decorator


def _storable(response: HttpResponse) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "cookie" not in response.get("Vary", "").lower()
    )
