"""Base classes for HTML views that show scoped objects.

`ScopedListView` / `ScopedDetailView` take `model` and always serve
`model.objects.visible_to(request.user)`; overriding `get_queryset` is refused when the
class is defined. Narrow the query in `narrow_queryset`. An object outside the user's scope
is a 404, exactly as in the API.
"""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import DetailView, ListView


class ScopedViewMixin(LoginRequiredMixin):
    model = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__} overrides get_queryset(); narrow the query in narrow_queryset() instead.")

    def narrow_queryset(self, queryset):
        return queryset

    def get_queryset(self):
        base = self.model._default_manager.all()
        return self.narrow_queryset(base).visible_to(self.request.user)


class ScopedListView(ScopedViewMixin, ListView):
    pass


class ScopedDetailView(ScopedViewMixin, DetailView):
    pass
