"""Building blocks of the authorization matrix (test_authorization_matrix.py, beside it).

Each app keeps its rows in its own module (tests/authorization/matrix_<app>.py) built from
these pieces.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from accounts.models import Membership
from tests.conftest import Cast, Tree


@dataclass(frozen=True)
class Redirect:
    """A 302 whose Location is the URL named `to` (query string ignored)."""

    to: str

    def __repr__(self) -> str:
        return f"302 to {self.to}"


LOGIN = Redirect("login")
ADMIN_LOGIN = Redirect("admin:login")
Expected = int | Redirect

ACTORS = [
    "anonymous",
    "reporter",
    "handler",
    "manager",
    "handler_orto",
    "manager_orto",
    "chief_physician",
    "safety_officer",
    "indicator_editor",
    "viewer",
    "admin",
    "mas",
    "municipal_handler",
    "outsider",
]


# The complaint cast (tests/complaints/conftest.py `make_ccast`): complaint handlers of
# Medicinkliniken, Ortopedkliniken and Hemsjukvården (another care provider), the officer of
# the nämnd that sends the rows' board cases, and the officer of another region's nämnd.
COMPLAINT_ACTORS = [
    "complaint_handler",
    "complaint_handler_orto",
    "complaint_handler_muni",
    "board_officer",
    "other_board_officer",
]
COMPLAINT_CAST_FIELDS = {
    "complaint_handler": "handler",
    "complaint_handler_orto": "handler_orto",
    "complaint_handler_muni": "handler_muni",
    "board_officer": "board_officer",
    "other_board_officer": "other_board_officer",
}


def everyone(status: Expected, **exceptions: Expected) -> tuple[Expected, ...]:
    """The same answer for every actor, except the ones named."""
    unknown = set(exceptions) - set(ACTORS)
    assert not unknown, f"unknown actors {unknown}"
    return tuple(exceptions.get(actor, status) for actor in ACTORS)


def signed_in(status: Expected, anonymous: Expected, **exceptions: Expected) -> tuple[Expected, ...]:
    return everyone(status, anonymous=anonymous, **exceptions)


@dataclass(frozen=True)
class World:
    tree: Tree
    cast: Cast
    _made: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def ccast(self):
        """The complaint cast (complaint handlers, the patientnämnder and their officers),
        made the first time a row asks for it."""
        if "ccast" not in self._made:
            from tests.complaints.conftest import make_ccast

            self._made["ccast"] = make_ccast(self.tree)
        return self._made["ccast"]

    def membership_of(self, username: str) -> Membership:
        return Membership.objects.get(user=getattr(self.cast, username))


@dataclass(frozen=True)
class Row:
    route: str  # URL name ("namespace:name"), "admin:*", or a raw path starting with "/"
    method: str
    expected: tuple[Expected, ...]  # one per actor, in ACTORS order
    kwargs: Callable[[World], dict[str, Any]] | None = None
    query: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    label: str = ""  # what the row is about, when a route has several rows
    settings: dict[str, Any] = field(default_factory=dict)
    # The complaint cast's answers (COMPLAINT_ACTORS → status), for the complaint rows: the
    # same request sent by each of them after the named cast.
    extra: dict[str, Expected] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.method} {self.route}" + (f" [{self.label}]" if self.label else "")


def unit(name: str) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"pk": getattr(w.tree, name).pk}


def membership(username: str) -> Callable[[World], dict[str, Any]]:
    return lambda w: {"pk": w.membership_of(username).pk}


def missing(w: World) -> dict[str, Any]:
    return {"pk": 999_999_999}
