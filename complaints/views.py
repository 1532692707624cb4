"""Complaint pages: the queue, "Mina klagomål", the case page and its operations."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from complaints.models import Complaint


@login_required
@require_GET
def complaint_list(request):
    complaints = Complaint.objects.visible_to(request.user).select_related("unit")[:50]
    return render(request, "complaints/list.html", {"complaints": complaints})


@login_required
@require_GET
def complaint_detail(request, pk: int):
    complaint = get_object_or_404(Complaint.objects.visible_to(request.user), pk=pk)
    return render(request, "complaints/detail.html", {"complaint": complaint})
