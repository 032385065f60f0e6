from django.urls import path

from . import views

app_name = "inforequests"

urlpatterns = [
    path("", views.apply, name="apply"),
    path("receipt/", views.receipt, name="receipt"),
    path("status/", views.status, name="status"),
    path("documents/<text:token>/", views.document, name="document"),
    path("statistics/", views.statistics, name="statistics"),
    path("statistics/<id:pk>/", views.agency, name="agency"),
    path("published/<text:number>/", views.published, name="published"),
    path("staff/", views.staff_queue, name="staff_queue"),
    path("staff/new/", views.staff_new, name="staff_new"),
    path("staff/report/", views.staff_report, name="staff_report"),
    path("staff/<id:pk>/", views.staff_case, name="staff_case"),
    path("staff/<id:pk>/deadline/", views.staff_deadline, name="staff_deadline"),
    path("staff/notices/<id:pk>/", views.staff_notice, name="staff_notice"),
    path("staff/notices/<id:pk>.pdf", views.staff_notice_pdf, name="staff_notice_pdf"),
]
