"""Thin Celery tasks for API credentials."""

from celery import shared_task
from oauth2_provider.models import clear_expired


@shared_task(name="apitokens.oauth_tokens_prune")
def oauth_tokens_prune() -> None:
    """Expired OAuth2 access tokens (one per client every ten minutes) are of no use: delete them."""
    clear_expired()
