from django.urls import path

from . import views

app_name = "annualreports"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:code>/<id:year>/", views.report, name="report"),
    path("<slug:code>/<id:year>/report.csv", views.report_csv, name="report_csv"),
    path("<slug:code>/<id:year>/report.xlsx", views.report_xlsx, name="report_xlsx"),
    path("<slug:code>/<id:year>/consolidated/", views.report, {"consolidated": True}, name="consolidated"),
    path(
        "<slug:code>/<id:year>/consolidated/report.csv",
        views.report_csv,
        {"consolidated": True},
        name="consolidated_csv",
    ),
    path(
        "<slug:code>/<id:year>/consolidated/report.xlsx",
        views.report_xlsx,
        {"consolidated": True},
        name="consolidated_xlsx",
    ),
]
