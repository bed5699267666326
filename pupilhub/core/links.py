"""Tokens of emailed links.

Links carry their token after "#" (`/reset-password/#<token>`): browsers never send
that part, so no access log, proxy or Referer holds it; a tiny script on the page
POSTs it. Wherever a token arrives (a form, the API), a pasted whole link or a value
starting with "#" is cut to the token itself.
"""


def link_token(value: str | None) -> str:
    """The token in `value`: itself, or the part after the last "#" or "/" of a link."""
    value = (value or "").strip()
    for separator in ("#", "/"):
        value = value.rsplit(separator, 1)[-1]
    return value[:200]
