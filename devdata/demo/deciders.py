"""The demo Lex Maria deciders (issue 16, item 5): Region Västmanland designates its
chefläkare `chefslakare` to decide on Lex Maria, with the verksamhetschef of Medicinkliniken
`chef.med` as her deputy (ställföreträdare) for the coming July. Västerås stad designates no
one, so its MAS decides by role, as before. Idempotent: a second run changes nothing."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accounts.models import OrgUnit, User
from devdata.demo import accounts as demo
from lexmaria.models import Capacity, Decider


def seed_deciders() -> int:
    """The designation and the deputy, once. Returns how many rows were created."""
    region = OrgUnit.objects.get(parent__isnull=True, name=demo.REGION)
    admin = User.objects.get(username="admin")
    today = timezone.localdate()
    july = dt.date(today.year if today.month < 7 else today.year + 1, 7, 1)
    wanted = [
        ("chefslakare", Capacity.DESIGNATED, "Chefläkare", dt.date(today.year - 2, 1, 1), None),
        ("chef.med", Capacity.DEPUTY, "", july, july.replace(day=31)),
    ]
    created = 0
    for username, capacity, title, valid_from, valid_to in wanted:
        user = User.objects.get(username=username)
        if Decider.objects.filter(care_provider=region, user=user, capacity=capacity).exists():
            continue
        Decider.objects.create(
            care_provider=region,
            user=user,
            capacity=capacity,
            title=title,
            valid_from=valid_from,
            valid_to=valid_to,
            note="Demo",
            created_by=admin,
        )
        created += 1
    return created
