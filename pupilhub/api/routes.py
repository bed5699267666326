"""Mount every app's router on the v1 API."""

from pupilhub.accounts.api import me_router as account_me_router
from pupilhub.accounts.api import operator_router as holds_router
from pupilhub.accounts.api import router as auth_router
from pupilhub.billing.api import router as billing_router
from pupilhub.documents.api import router as documents_router
from pupilhub.gateway.api import me_router, public_router
from pupilhub.gateway.api import router as gateway_router
from pupilhub.messaging.api import me_router as messaging_me_router
from pupilhub.messaging.api import router as messaging_router
from pupilhub.privacy.api import router as privacy_router
from pupilhub.pupils.api import router as pupils_router
from pupilhub.reports.api import me_router as reports_me_router
from pupilhub.reports.api import router as reports_router
from pupilhub.safeguarding.api import me_router as safeguarding_me_router
from pupilhub.safeguarding.api import router as safeguarding_router
from pupilhub.schools.api import router as schools_router
from pupilhub.sen.api import me_router as sen_me_router
from pupilhub.sen.api import router as sen_router
from pupilhub.transition.api import router as transition_router

from .base import api

api.add_router("/auth", auth_router)
api.add_router("", account_me_router)
api.add_router("", holds_router)
api.add_router("", schools_router)
api.add_router("", pupils_router)
api.add_router("", documents_router)
api.add_router("", safeguarding_router)
api.add_router("", safeguarding_me_router)
api.add_router("", sen_router)
api.add_router("", sen_me_router)
api.add_router("", billing_router)
api.add_router("", transition_router)
api.add_router("", gateway_router)
api.add_router("", messaging_router)
api.add_router("", messaging_me_router)
api.add_router("", reports_router)
api.add_router("", reports_me_router)
api.add_router("", privacy_router)
api.add_router("", me_router)
api.add_router("", public_router)

__all__ = ["api"]
