"""URL map: web pages per app, the v1 API, (no Django admin: operators have their own pages)."""

from django.urls import include, path

from pupilhub.api.routes import api
from pupilhub.core import health
from pupilhub.messaging.webhooks import mail_events

handler403 = "pupilhub.core.views.handler403"
handler404 = "pupilhub.core.views.handler404"
handler500 = "pupilhub.core.views.handler500"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/", api.urls),
    path("webhooks/mail/<str:secret>", mail_events, name="mail_events"),
    path("", include("pupilhub.accounts.urls")),
    path("", include("pupilhub.schools.urls")),
    path("", include("pupilhub.schools.help_urls")),
    path("", include("pupilhub.pupils.urls")),
    path("", include("pupilhub.documents.urls")),
    path("", include("pupilhub.safeguarding.urls")),
    path("", include("pupilhub.sen.urls")),
    path("", include("pupilhub.billing.urls")),
    path("", include("pupilhub.transition.urls")),
    path("", include("pupilhub.gateway.urls")),
    path("", include("pupilhub.messaging.urls")),
    path("", include("pupilhub.reports.urls")),
    path("", include("pupilhub.privacy.urls")),
]
