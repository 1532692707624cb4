"""The page "API tokens": a person's own tokens — create one (the secret is shown once, in
the answer to the form), see when each was last used, revoke one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apitokens import services
from apitokens.forms import ApiTokenForm, end_of
from apitokens.models import ApiToken


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    form = ApiTokenForm(request.POST or None, user=request.user)
    created = secret = None
    if request.method == "POST" and form.is_valid():
        created, secret = services.api_token_create(
            user=request.user,
            name=form.cleaned_data["name"],
            expires_at=end_of(form.cleaned_data["last_day"]),
            actor=request.user,
        )
        form = ApiTokenForm(user=request.user)
    context = {
        "title": _("API tokens"),
        "form": form,
        "tokens": ApiToken.objects.visible_to(request.user),
        "created": created,
        "secret": secret,
    }
    return render(request, "apitokens/tokens.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def api_token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken.objects.visible_to(request.user), pk=pk)
    services.api_token_revoke(token=token)
    messages.success(request, _("The token “%(name)s” is revoked: it no longer works.") % {"name": token.name})
    return redirect("api-tokens")
