"""Webhook fixtures: a subscriber of Region Västmanland, for every event type."""

from __future__ import annotations

import pytest

from webhooks import events, services
from webhooks.catalogue import EVENT_TYPES


@pytest.fixture(autouse=True)
def forget_subscribers():
    """A test's subscribers are rolled back with it: no other test may find them in the
    process's set (it would cost a query per save there)."""
    events.forget_subscribers()
    yield
    events.forget_subscribers()


@pytest.fixture
def subscribe(cast):
    def _subscribe(care_provider, event_types=EVENT_TYPES, url="https://hooks.example.invalid/psweb", **kwargs):
        return services.subscriber_create(
            name="Ledningssystemet",
            url=url,
            care_provider=care_provider,
            event_types=event_types,
            actor=cast.admin,
            **kwargs,
        )

    return _subscribe
