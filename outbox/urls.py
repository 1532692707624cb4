from django.urls import path

from outbox import views

urlpatterns = [
    path("notiser/", views.NotificationListView.as_view(), name="notifications"),
    path("notiser/<int:pk>/oppna/", views.notification_open, name="notification-open"),
    path("notiser/las-alla/", views.notifications_read_all, name="notifications-read-all"),
]
