"""Thin Celery tasks for incidents."""

from celery import shared_task

from incidents.services.reminders import reminders_send


@shared_task(name="incidents.reminders")
def incident_reminders() -> dict:
    return reminders_send()


@shared_task(name="incidents.reach_compact")
def reach_compact() -> None:
    """Fold the work queue's +1/−1 counts per unit and status (`ReachCount`): the counts are
    exact either way; folding keeps the table short so reading stays constant."""
    from incidents import reach

    reach.compact()


@shared_task(name="incidents.search_words_rebuild")
def search_words_rebuild() -> int:
    """Count the search lexicon's words afresh (incidents.search): the counts rank a word's
    expansions and say whether a search is common; between rebuilds a word keeps the count
    it had when it first came. A million incidents take ~4 s."""
    from incidents.search import rebuild_search_words

    return rebuild_search_words()
