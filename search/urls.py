from django.urls import path

from . import views

app_name = "search"

urlpatterns = [
    path("", views.results, name="results"),
    path("export/records.csv", views.records_csv, name="records_csv"),
]
