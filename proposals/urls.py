from django.urls import path

from . import views

app_name = "proposals"

urlpatterns = [
    path("", views.proposal_list, name="list"),
    path("lookup/", views.lookup, name="lookup"),
    path("statistics/", views.statistics, name="statistics"),
    path("statistics/<int:session_id>/", views.statistics, name="session_statistics"),
    path("members/<int:pk>/", views.member_detail, name="member"),
    path("mine/", views.mine, name="mine"),
    path("replies/<int:pk>/feedback/", views.feedback, name="feedback"),
    path("<int:session_id>/<str:number>/", views.proposal_detail, name="detail"),
]
