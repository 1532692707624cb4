"""Writes for webhook subscribers. The admin calls these."""

from __future__ import annotations

from django.db import transaction

from webhooks.delivery import new_secret
from webhooks.models import Subscriber


@transaction.atomic
def subscriber_create(
    *, name: str, url: str, care_provider, event_types, active: bool = True, actor=None
) -> Subscriber:
    """A new subscriber with a new secret. The returned object's `secret` is the one time it
    is shown: the admin puts it on the page that follows and nowhere else."""
    subscriber = Subscriber(
        name=name.strip(),
        url=url,
        care_provider=care_provider,
        event_types=sorted(set(event_types)),
        active=active,
        secret=new_secret(),
        created_by=actor,
    )
    subscriber.full_clean()
    subscriber.save()
    return subscriber
