from django.urls import path

from accounts import accesslog_views, local_login_views, views

urlpatterns = [
    path("logga-in/", views.LoginView.as_view(), name="login"),
    path("logga-in/kod/", local_login_views.LoginCodeView.as_view(), name="login-code"),
    path("logga-ut/", views.LogoutView.as_view(), name="logout"),
    path("behorigheter/", views.MembershipListView.as_view(), name="membership-list"),
    path("loggranskning/", accesslog_views.accesslog_review, name="accesslog-review"),
    path("loggranskning/export.csv", accesslog_views.accesslog_export, name="accesslog-export"),
]
