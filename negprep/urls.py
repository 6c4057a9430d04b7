from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from deals.views import home
from negprep import csp, pwa, views

admin.site.site_header = "NegPrep administration"
admin.site.site_title = "NegPrep admin"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    # Browsers post what the Content-Security-Policy refused here (report-uri and report-to).
    path("csp-report/", csp.csp_report, name="csp_report"),
    path("", home.home, name="home"),
    path("", include("teams.urls")),
    path("deals/", include("deals.urls")),
    path("admin/", admin.site.urls),
]

if settings.NEGPREP_BENCH_FLOOR:
    urlpatterns += [
        path("bench/floor", views.bench_floor, name="bench_floor"),
        path("bench/empty-page", views.bench_empty_page, name="bench_empty_page"),
    ]
