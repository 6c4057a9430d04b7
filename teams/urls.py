from django.contrib.auth import views as auth_views
from django.urls import path

from teams import token_views, views
from teams.notifications import views as notification_views
from teams.oidc import views as sso_views

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/api-tokens/", token_views.api_token_create, name="api_token_create"),
    path("profile/api-tokens/<int:pk>/revoke/", token_views.api_token_revoke, name="api_token_revoke"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    # Single sign-on (OpenID Connect): 404 unless NEGPREP_OIDC_ISSUER is set.
    path("accounts/sso/start/", sso_views.SignInStart.as_view(), name="sso_start"),
    path("accounts/sso/callback/", sso_views.sign_in_callback, name="sso_callback"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("notifications/", notification_views.notifications, name="notifications"),
    path(
        "notifications/<int:pk>/read/",
        notification_views.notification_read,
        name="notification_read",
    ),
    path(
        "notifications/read-all/",
        notification_views.notifications_read_all,
        name="notifications_read_all",
    ),
]
