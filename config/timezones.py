"""Every date a signed-in person reads is in their organization's time zone.

Pages used to format the same round's dates in UTC on one page and in the organization's zone on
another (only some templates wrapped themselves in `{% timezone %}`). Activating the zone once per
request makes every page, fragment and chart agree; pages that show a time of day name the zone.
The personal pulse link (no sign-in) sets the round's organization's zone in its own template.
"""

from collections.abc import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.cache import cache
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from teams.models import Organization
from teams.signals import organization_changed

# Read from the cache, not the database: a fragment (an htmx swap) would otherwise pay one more
# query for its organization. The settings page forgets the kept zone when it saves a new one, so
# it shows at once wherever the cache is shared (CACHE_URL=redis://…); a web process with its own
# (locmem://, the default) may show the old zone for up to this many seconds.
ZONE_CACHE_SECONDS = 60


def _key(organization_id: int) -> str:
    return f"org-time-zone:{organization_id}"


@receiver(organization_changed, dispatch_uid="config.timezones.forget")
def _forget_zone(sender, *, organization, changed: dict, **kwargs) -> None:
    if "time_zone" in changed:  # once committed: a page read before then would keep the old one
        transaction.on_commit(lambda: cache.delete(_key(organization.pk)))


def organization_zone_name(organization_id: int) -> str:
    return cache.get_or_set(
        _key(organization_id),
        lambda: (
            Organization.objects.filter(pk=organization_id).values_list("time_zone", flat=True).first()
            or "UTC"
        ),
        ZONE_CACHE_SECONDS,
    )


class OrganizationTimeZoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        zone = None
        if user is not None and user.is_authenticated and user.organization_id:
            try:
                zone = ZoneInfo(organization_zone_name(user.organization_id))
            except (ZoneInfoNotFoundError, ValueError):
                zone = None  # a zone the admin mistyped: UTC, as the settings say
        if zone is None:
            timezone.deactivate()
        else:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
