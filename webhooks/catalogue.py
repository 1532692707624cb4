"""The webhook event catalogue: which models emit events, under which name, and where in the
API a subscriber fetches the object.

Models are named by label so that this app imports no case app (docs/architecture.md). Each
emits `<object>.created` and `<object>.updated`. Adding a kind of event is a row here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EventSource:
    model: str  # app label and model name, for apps.get_model
    object: str  # the event's prefix and the payload's "object"
    route: str  # the API's detail route, for the payload's "url"


SOURCES = (
    EventSource("incidents.Incident", "incident", "api:incident-detail"),
    EventSource("investigations.Investigation", "investigation", "api:investigation-detail"),
    EventSource("lexmaria.LexMariaCase", "lexmaria", "api:lexmaria-detail"),
    EventSource("actions.Action", "action", "api:action-detail"),
    EventSource("indicators.Measurement", "measurement", "api:measurement-detail"),
)

VERBS = ("created", "updated")

EVENT_TYPES = tuple(f"{source.object}.{verb}" for source in SOURCES for verb in VERBS)
