"""The diff of an HSA sync in words, one line per change: printed by `sync_hsa` and shown on
the admin page "Organisation från HSA"."""

from __future__ import annotations

from django.utils.translation import gettext as _


def _period(valid_from: str | None, valid_to: str | None) -> str:
    return f"{valid_from or '…'}–{valid_to or ''}"


def describe(diff: dict) -> list[str]:
    units, people, memberships = diff.get("units", {}), diff.get("people", {}), diff.get("memberships", {})
    lines = []
    for row in units.get("created", []):
        lines.append(_("New unit %(hsa_id)s %(name)s under %(parent)s") % {**row, "parent": row["parent"] or "–"})
    for row in units.get("renamed", []):
        lines.append(_("Renamed %(hsa_id)s: %(from)s → %(to)s") % row)
    for row in units.get("moved", []):
        lines.append(
            _("Moved %(hsa_id)s %(name)s: from under %(from)s to under %(to)s")
            % {**row, "from": row["from"] or "–", "to": row["to"] or "–"}
        )
    for row in units.get("reclassified", []):
        lines.append(_("Kind of %(hsa_id)s: %(from)s → %(to)s") % row)
    for row in units.get("closed", []):
        lines.append(_("Closed %(hsa_id)s %(name)s") % row)
    for row in units.get("reopened", []):
        lines.append(_("Reopened %(hsa_id)s %(name)s") % row)
    for row in people.get("created", []):
        lines.append(_("New person %(hsa_id)s %(first_name)s %(last_name)s") % row)
    for row in people.get("updated", []):
        changes = ", ".join(f"{name}: {old} → {new}" for name, (old, new) in row["changes"].items())
        lines.append(_("Changed person %(hsa_id)s: %(changes)s") % {"hsa_id": row["hsa_id"], "changes": changes})
    for row in memberships.get("granted", []):
        lines.append(
            _("Reporter %(person)s in %(unit)s, %(period)s (%(commissions)s)")
            % {
                **row,
                "period": _period(row["valid_from"], row["valid_to"]),
                "commissions": ", ".join(row["commissions"]),
            }
        )
    for row in memberships.get("changed", []):
        changes = ", ".join(f"{name}: {old or '–'} → {new or '–'}" for name, (old, new) in row["changes"].items())
        lines.append(
            _("Reporter %(person)s in %(unit)s changed: %(changes)s (%(commissions)s)")
            % {**row, "changes": changes or "–", "commissions": ", ".join(row["commissions"])}
        )
    for row in memberships.get("ended", []):
        lines.append(_("Reporter %(person)s in %(unit)s ends %(valid_to)s") % row)
    for row in memberships.get("adopted", []):
        lines.append(
            _("Reporter %(person)s in %(unit)s since sign-in, now from HSA until %(valid_to)s (%(commissions)s)")
            % {**row, "valid_to": row["valid_to"] or "–", "commissions": ", ".join(row["commissions"])}
        )
    return lines
