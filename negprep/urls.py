from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from deals.views import home
from negprep import csp, pwa, views
from teams.oidc.views import admin_login

admin.site.site_header = "NegPrep administration"
admin.site.site_title = "NegPrep admin"
# With passwords turned off (NEGPREP_PASSWORD_LOGIN) the admin's login sends to the login page.
admin.site.login = admin_login(admin.site.login)

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
    # The REST API, its OpenAPI schema and its docs (README "API").
    path("api/v1/", include("deals.api.urls")),
    path("api/schema/", login_not_required(SpectacularAPIView.as_view()), name="api_schema"),
    path(
        "api/docs/",
        login_not_required(
            SpectacularSwaggerSplitView.as_view(url_name="api_schema", template_name="api/swagger_ui.html")
        ),
        name="api_docs",
    ),
]

if settings.NEGPREP_BENCH_FLOOR:
    urlpatterns += [
        path("bench/floor", views.bench_floor, name="bench_floor"),
        path("bench/empty-page", views.bench_empty_page, name="bench_empty_page"),
    ]
