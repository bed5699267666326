"""Signals other apps listen to (the gateway adds a pupil registered again with an address
that already had an account, once that address's owner uses the emailed link)."""

from django.dispatch import Signal

email_verified = Signal()  # kwargs: user, token (the OneTimeToken used)
registration_mail_prepared = Signal()  # kwargs: user, token: a "you already have an account"
# mail is about to carry this token: pupils waiting for the address are tied to it
