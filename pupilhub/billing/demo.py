"""Demo billing: Northgate subscribed last year (activation and one annual invoice);
Riverside subscribed this term; the others stay on trial."""

from datetime import date

from django.utils import timezone

from pupilhub.demo.builder import Demo, step

from . import actions, quotes


@step
def billing(demo: Demo) -> None:
    today = timezone.localdate()
    april = date(today.year if today.month >= 4 else today.year - 1, 4, 1)
    northgate = demo.schools["northgate"]
    activation = date(april.year - 1, 1, 15)
    actions.do_activate(demo.operator, northgate, activation, date(april.year - 1, 4, 1))
    actions.raise_due_invoices(today)
    riverside = demo.schools["riverside"]
    start = today.replace(day=1)
    actions.do_activate(demo.operator, riverside, start, quotes.default_invoice_date(start))
