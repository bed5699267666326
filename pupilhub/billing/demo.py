"""Demo billing: Northgate subscribed last year (activation and one annual invoice);
Riverside subscribed this term; the others stay on trial."""

from datetime import date

from django.utils import timezone

from pupilhub.demo.builder import NOTES, Demo, step

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
    # St Mary's head asked for activation with a purchase order; it waits on the operator's
    # page. The platform's support contact shows in every footer.
    from pupilhub.schools.access import staff_access
    from pupilhub.schools.support import do_set_contact

    stmarys = demo.schools["stmarys"]
    head = staff_access(demo.staff["stmarys.head"], stmarys.id)
    actions.do_request_activation(head, quotes.default_invoice_date(today), "PO-4471")
    do_set_contact(
        demo.operator, "support@pupilhub.example", "01865 555 0100", "Weekdays 8am to 5pm"
    )
    NOTES.append(
        "Billing: head@stmarys asked for activation (purchase order PO-4471); the operator "
        "approves it from the operator page. The support contact shows in every footer; "
        "help pages at /help/."
    )
