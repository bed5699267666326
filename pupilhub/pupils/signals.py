"""`roll_changed`: many of a school's pupils changed at once (a queryset update, which
sends no `post_save`), so caches that hold pupils forget the school's entries."""

from django.dispatch import Signal

roll_changed = Signal()  # sent with school_id, after the transaction commits
# Sent inside the rollover's transaction with school_id, academic_year (the year rolled
# into) and at: what was written before `at` belongs to the year before (reports relabel).
rolled_over = Signal()
