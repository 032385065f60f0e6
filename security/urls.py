from django.urls import path

from . import views

app_name = "security"

urlpatterns = [
    path("2fa/", views.index, name="index"),
    path("2fa/setup/", views.setup, name="setup"),
    path("2fa/verify/", views.verify, name="verify"),
    path("2fa/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("2fa/session/", views.session_keepalive, name="session_keepalive"),
    path("2fa/resubmit/", views.resubmit, name="resubmit"),
]
