"""gunicorn settings for the Procfile's web process (environment-driven like the rest).

The access log names paths only (%(U)s: no query strings, which can hold a search for a
child's name). With LOG_FORMAT=json it is one JSON object a line, carrying the request id
that pupilhub answers with (X-Request-ID), so a request's lines join up."""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
graceful_timeout = 20
accesslog = "-"
# Single-use links' tokens are logged as [token] (pupilhub/core/access_log.py).
logger_class = "pupilhub.core.access_log.RedactingLogger"
if os.environ.get("LOG_FORMAT") == "json":
    access_log_format = (
        '{"logger": "gunicorn.access", "remote": "%(h)s", "method": "%(m)s", '
        '"path": "%(U)s", "status": %(s)s, "bytes": "%(b)s", "ms": %(M)s, '
        '"request_id": "%({x-request-id}o)s"}'
    )
else:
    access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms %({x-request-id}o)s'
