from datetime import date

from django.utils import timezone

from pupilhub.billing import actions, quotes
from pupilhub.billing.models import Invoice, Subscription
from pupilhub.core.models import AuditEvent
from pupilhub.testing import make_pupil, make_school


def _roll(school, **years):
    """years: {"y7": 3} makes three active Y7 pupils."""
    for key, n in years.items():
        for _ in range(n):
            make_pupil(school, year_group=int(key[1:]))


def test_retained_year_groups_and_archived_pupils_are_not_charged(db):
    school = make_school("Secondary", year_from=7, year_to=11)
    _roll(school, y7=3, y11=2, y12=4)  # Y12 kept beyond a Y7-Y11 range
    make_pupil(school, year_group=8, status="archived")
    assert quotes.pupils_on_roll(school) == 5


def test_a_scottish_secondary_counts_s1_to_s6_not_s7(db):
    school = make_school("Academy", year_scheme="scotland", year_from=8, year_to=13)
    _roll(school, y8=2, y13=1, y14=3)  # S1, S6, and S7 leavers kept as 14
    assert quotes.pupils_on_roll(school) == 3


def test_a_school_without_a_year_range_gets_a_clear_400(personas):
    school = make_school("No range", year_from=None, year_to=None)
    r = personas.api("operator").post(
        f"/schools/{school.id}/subscription",
        {"activation_date": "2027-02-01", "invoice_date": "2027-07-01"},
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "no_year_range"


def test_quote_endpoint_for_admins_only(personas):
    _roll(personas.school_a, y7=599)  # + the persona pupil in Y8 = 600
    path = f"/schools/{personas.school_a.id}/billing/quote?activation_date=2027-02-01&invoice_date=2027-07-01"
    assert personas.api(None).get(path).status_code == 401
    assert personas.api("admin_b").get(path).status_code == 404
    assert personas.api("teacher").get(path).status_code == 403
    r = personas.api("admin").get(path)
    assert r.status_code == 200
    body = r.json()
    assert {
        k: body[k]
        for k in (
            "pupils_on_roll",
            "price_per_pupil_pence",
            "annual_pence",
            "months_remaining",
            "monthly_pence",
            "amount_due_pence",
        )
    } == {
        "pupils_on_roll": 600,
        "price_per_pupil_pence": 50,
        "annual_pence": 30000,
        "months_remaining": 5,
        "monthly_pence": 2500,
        "amount_due_pence": 12500,
    }
    assert personas.api("operator").get(path).status_code == 200
    bad = personas.api("admin").get(
        f"/schools/{personas.school_a.id}/billing/quote?activation_date=2027-13-01"
    )
    assert bad.status_code == 400 and "activation_date" in bad.json()["error"]["fields"]
    before = personas.api("admin").get(
        f"/schools/{personas.school_a.id}/billing/quote?activation_date=2027-07-02&invoice_date=2027-07-01"
    )
    assert before.status_code == 400 and "invoice_date" in before.json()["error"]["fields"]


def test_operator_activation_raises_the_pro_rata_invoice(personas):
    _roll(personas.school_a, y7=599)
    path = f"/schools/{personas.school_a.id}/subscription"
    body = {"activation_date": "2027-02-01", "invoice_date": "2027-07-01"}
    assert personas.api("main_admin").post(path, body).status_code == 403
    assert personas.api(None).post(path, body).status_code == 401
    r = personas.api("operator").post(path, body)
    assert r.status_code == 201, r.content
    invoice = r.json()["invoice"]
    assert invoice["amount_pence"] == 12500 and invoice["kind"] == "activation"
    assert invoice["period_start"] == "2027-02-01" and invoice["period_end"] == "2027-06-30"
    assert invoice["lines"][0]["quantity"] == 600
    assert personas.api("operator").post(path, body).status_code == 409
    listed = personas.api("main_admin").get(f"/schools/{personas.school_a.id}/invoices").json()
    assert [i["amount_pence"] for i in listed["items"]] == [12500]
    assert (
        personas.api("teacher").get(f"/schools/{personas.school_a.id}/invoices").status_code == 403
    )
    assert (
        personas.api("admin_b").get(f"/schools/{personas.school_a.id}/invoices").status_code == 404
    )
    assert AuditEvent.objects.filter(action="subscription.activated").count() == 1


def test_activating_on_the_invoice_date_is_charged_on_that_invoice(personas):
    r = personas.api("operator").post(
        f"/schools/{personas.school_a.id}/subscription",
        {"activation_date": "2027-07-01", "invoice_date": "2027-07-01"},
    )
    assert r.status_code == 201
    assert r.json()["invoice"]["kind"] == "annual"
    assert r.json()["invoice"]["amount_pence"] == 50  # one pupil on roll, a full year
    assert r.json()["next_invoice_date"] == "2028-07-01"


def test_annual_invoices_are_raised_once_whatever_how_often_the_job_runs(personas):
    actions.do_activate(personas.operator, personas.school_a, date(2027, 2, 1), date(2027, 7, 1))
    assert actions.raise_due_invoices(date(2027, 6, 30)) == 0
    _roll(personas.school_a, y9=3)  # counted again on the invoice date
    assert actions.raise_due_invoices(date(2027, 7, 1)) == 1
    assert actions.raise_due_invoices(date(2027, 7, 1)) == 0
    assert actions.raise_due_invoices(date(2027, 7, 2)) == 0
    annual = Invoice.objects.get(kind="annual")
    assert annual.pupils_on_roll == 4 and annual.amount_pence == 200
    assert (annual.period_start, annual.period_end) == (date(2027, 7, 1), date(2028, 6, 30))
    assert Subscription.objects.get().next_invoice_date == date(2028, 7, 1)
    # A job that missed two years catches up, one invoice a year.
    assert actions.raise_due_invoices(date(2029, 8, 1)) == 2
    assert Invoice.objects.filter(kind="annual").count() == 3


def test_the_beat_schedule_runs_the_invoice_task_daily():
    from config.celery import app

    app.loader.import_default_modules()  # what a worker does at start
    entry = app.conf.beat_schedule["raise-annual-invoices"]
    assert entry["task"] == "pupilhub.billing.tasks.raise_due_invoices"
    assert entry["task"] in app.tasks


def test_invoice_pdf_and_csv_for_the_finance_office(personas):
    import io

    from pypdf import PdfReader

    invoice = actions.do_activate(
        personas.operator, personas.school_a, date(2027, 2, 1), date(2027, 7, 1)
    )
    base = f"/schools/{personas.school_a.id}"
    r = personas.api("admin").get(f"{base}/invoices/{invoice.id}/pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(r.content)).pages[0].extract_text()
    assert invoice.number in text and "£0.21" in text  # 1 pupil x 50p x 5/12 = 20.83p
    assert personas.api("admin_b").get(f"{base}/invoices/{invoice.id}/pdf").status_code == 404
    assert personas.api("teacher").get(f"{base}/invoices/{invoice.id}/pdf").status_code == 403
    csv_text = personas.web("admin").get(f"{base}/billing/invoices.csv").content.decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("invoice_number,kind")
    assert invoice.number in csv_text and ",21," in csv_text
    assert personas.web("teacher").get(f"{base}/billing/invoices.csv").status_code == 403


def test_the_billing_page_for_admins_and_operators(personas):
    url = f"/schools/{personas.school_a.id}/billing/"
    assert personas.web(None).get(url).status_code == 302
    assert personas.web("admin_b").get(url).status_code == 404
    assert personas.web("teacher").get(url).status_code == 403
    html = (
        personas.web("admin")
        .get(url + "?activation_date=2027-02-01&invoice_date=2027-07-01")
        .content.decode()
    )
    assert "trial" in html and "£0.21" in html and "Operator" not in html
    op = personas.web("operator")
    assert "Operator: activate" in op.get(url).content.decode()
    r = op.post(
        url, {"activate": "1", "activation_date": "2027-02-01", "invoice_date": "2027-01-01"}
    )
    assert r.status_code == 400 and "must not be before" in r.content.decode()
    r = op.post(
        url, {"activate": "1", "activation_date": "2027-02-01", "invoice_date": "2027-07-01"}
    )
    assert r.status_code == 302 and Subscription.objects.filter(school=personas.school_a).exists()
    r = op.post(url, {"price": "1", "price_pounds": "0.75"})
    assert r.status_code == 302
    personas.school_a.refresh_from_db()
    assert personas.school_a.price_per_pupil_pence == 75
    personas.web("admin").post(url, {"price": "1", "price_pounds": "0.01"})
    personas.school_a.refresh_from_db()
    assert personas.school_a.price_per_pupil_pence == 75  # admins cannot change the price


def test_the_invoice_pdf_names_the_supplier_the_due_date_and_how_to_pay(personas, settings):
    import io

    from pypdf import PdfReader

    settings.INVOICE_SUPPLIER = {
        **settings.INVOICE_SUPPLIER,
        "name": "Gateway Supplies Ltd",
        "address": "9 Ledger Lane, York YO1 7HH",
        "sort_code": "12-34-56",
        "account_number": "87654321",
        "vat_number": "GB123456789",
    }
    settings.INVOICE_PAYMENT_DAYS = 30
    invoice = actions.do_activate(
        personas.operator, personas.school_a, date(2027, 2, 1), date(2027, 7, 1)
    )
    base = f"/schools/{personas.school_a.id}"
    r = personas.api("admin").get(f"{base}/invoices/{invoice.id}/pdf")
    text = " ".join(PdfReader(io.BytesIO(r.content)).pages[0].extract_text().split())
    assert "Gateway Supplies Ltd" in text and "9 Ledger Lane, York YO1 7HH" in text
    assert "VAT number GB123456789" in text
    due = invoice.due_on
    assert (due - invoice.issued_on).days == 30
    assert f"Payment due: {due:%-d %B %Y}" in text
    assert "sort code 12-34-56" in text and "account 87654321" in text
    assert f"Quote {invoice.number} as the reference" in text
    got = personas.api("admin").get(f"{base}/invoices/{invoice.id}").json()
    assert got["due_on"] == due.isoformat()
    page = personas.web("admin").get(f"{base}/billing/").content.decode()
    assert f"{due:%-d %b %Y}" in page


def test_a_subscribed_school_sees_its_next_invoice_not_an_activation_quote(personas):
    _roll(personas.school_a, y7=3)
    url = f"/schools/{personas.school_a.id}/billing/"
    assert "What activation would cost" in personas.web("admin").get(url).content.decode()
    actions.do_activate(personas.operator, personas.school_a, date(2027, 2, 1), date(2027, 7, 1))
    html = personas.web("admin").get(url).content.decode()
    assert "What activation would cost" not in html and "Due on activation" not in html
    assert "The next annual invoice" in html and "1 July 2027" in html
    assert "£2.00" in html  # 4 pupils on roll x 50p


def test_a_failed_activation_keeps_the_operators_price_field(personas):
    personas.school_a.price_per_pupil_pence = 65
    personas.school_a.save()
    url = f"/schools/{personas.school_a.id}/billing/"
    r = personas.web("operator").post(
        url, {"activate": "1", "activation_date": "2027-02-01", "invoice_date": "2027-01-01"}
    )
    assert r.status_code == 400 and "must not be before" in r.content.decode()
    assert 'name="price_pounds" value="0.65"' in r.content.decode()


# Issue 31, item 13: the page's figures multiply to the amount due; a school asks for
# activation and the operator approves it; invoices carry a purchase-order number; the
# operator types prices in pounds. Issue 33, item 7: invoice numbers from a yearly sequence.


def test_the_quote_shows_the_exact_calculation_not_a_rounded_monthly_figure(personas):
    from pupilhub.testing import make_pupil

    for _ in range(10):
        make_pupil(personas.school_a, year_group=8)
    url = f"/schools/{personas.school_a.id}/billing/"
    html = (
        personas.web("main_admin")
        .get(url + "?activation_date=2027-02-01&invoice_date=2027-07-01")
        .content.decode()
    )
    # 11 pupils x 50p = £5.50 a year; 5 months: £5.50 x 5 / 12 = £2.29
    assert "£5.50 a year \u00d7 5 \u00f7 12 = £2.29" in html
    assert "Monthly (for information)" not in html


def test_a_school_asks_for_activation_and_the_operator_approves_it_with_its_po(personas):
    api = personas.api("main_admin")
    url = f"/schools/{personas.school_a.id}/billing/activation-request"
    assert personas.api(None).post(url, {}).status_code == 401
    assert personas.api("admin_b").post(url, {}).status_code == 404
    assert personas.api("admin").post(url, {}).status_code == 403  # the head asks
    r = api.post(url, {"invoice_date": "2027-04-01", "po_number": "PO-7781"})
    assert r.status_code == 201, r.content
    assert r.json()["status"] == "pending" and r.json()["po_number"] == "PO-7781"
    again = api.post(url, {})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_requested"
    page = personas.web("main_admin").get(f"/schools/{personas.school_a.id}/billing/")
    assert "Activation was requested" in page.content.decode()
    operator_page = personas.web("operator").get("/operator/").content.decode()
    assert "School A" in operator_page and "asked for activation" in operator_page
    today = timezone.localdate()
    sub = personas.api("operator").post(
        f"/schools/{personas.school_a.id}/subscription",
        {"activation_date": today.isoformat(), "invoice_date": "2027-04-01"},
    )
    assert sub.status_code == 201, sub.content
    invoice = sub.json()["invoice"]
    assert invoice["po_number"] == "PO-7781"
    assert invoice["number"] == f"PH-{today.year}-000001"
    from pupilhub.billing.models import ActivationRequest

    assert ActivationRequest.objects.get().status == "approved"
    # Later invoices carry the number the school sets.
    put = api.put(f"/schools/{personas.school_a.id}/billing/po-number", {"po_number": "PO-9000"})
    assert put.status_code == 200 and put.json() == {"po_number": "PO-9000"}
    assert Subscription.objects.get(school=personas.school_a).po_number == "PO-9000"


def test_the_operator_enters_the_price_in_pounds(personas):
    url = f"/schools/{personas.school_a.id}/billing/"
    op = personas.web("operator")
    assert 'name="price_pounds"' in op.get(url).content.decode()
    bad = op.post(url, {"price": "1", "price_pounds": "fifty"})
    assert bad.status_code == 400
    assert op.post(url, {"price": "1", "price_pounds": "1.25"}).status_code == 302
    personas.school_a.refresh_from_db()
    assert personas.school_a.price_per_pupil_pence == 125


def test_invoice_numbers_are_a_yearly_sequence_unique_across_many_schools(personas):
    from datetime import date

    from pupilhub.billing import actions
    from pupilhub.testing import make_school

    numbers = []
    for i in range(30):
        school = make_school(f"School {i}")
        numbers.append(
            actions.do_activate(None, school, date(2026, 12, 1), date(2027, 4, 1)).number
        )
    assert len(set(numbers)) == 30
    assert numbers[0] == "PH-2026-000001" and numbers[-1] == "PH-2026-000030"


def test_the_po_number_and_activation_request_for_each_caller(personas):
    from pupilhub.billing import actions as billing_actions

    billing_actions.do_activate(None, personas.school_a, date(2026, 12, 1), date(2027, 4, 1))
    url = f"/schools/{personas.school_a.id}/billing/po-number"
    body = {"po_number": "PO-1"}
    assert personas.api(None).put(url, body).status_code == 401
    assert personas.api("admin_b").put(url, body).status_code == 404
    assert personas.api("teacher").put(url, body).status_code == 403
    assert personas.api("admin").put(url, body).status_code == 200
    long = personas.api("admin").put(url, {"po_number": "X" * 41})
    assert long.status_code == 400 and "po_number" in long.json()["error"]["fields"]
    ask = f"/schools/{personas.school_a.id}/billing/activation-request"
    again = personas.api("main_admin").post(ask, {})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_subscribed"


def test_the_1_july_run_costs_nine_queries_a_school(personas):
    """Issue 33: 24,000 annual invoices took 10 minutes at 16 queries a school (a second
    look at each subscription, four queries for each number)."""
    from datetime import date

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pupilhub.billing import actions
    from pupilhub.billing.models import Subscription
    from pupilhub.testing import make_school

    for i in range(6):
        actions.do_activate(None, make_school(f"School {i}"), date(2026, 3, 1), date(2026, 7, 1))
    Subscription.objects.update(next_invoice_date=date(2027, 7, 1))
    with CaptureQueriesContext(connection) as q:
        raised = actions.raise_due_invoices(date(2027, 7, 1))
    assert raised == 6
    assert len(q.captured_queries) <= 1 + 9 * 6 + 8  # + the 2027 counter row, made once
    numbers = sorted(Subscription.objects.values_list("school__invoices__number", flat=True))
    assert len(set(numbers)) == len(numbers)
