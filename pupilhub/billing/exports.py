"""Invoices for the finance office: one PDF per invoice, every line as CSV."""

import io

from django.conf import settings
from django.http import HttpResponse

from pupilhub.core import pdf
from pupilhub.core.downloads import attach
from pupilhub.core.sheets import SafeWriter
from pupilhub.core.templatetags.pupilhub import pounds
from pupilhub.schools.access import SchoolAccess

from .access import invoices_for
from .models import Invoice

CSV_HEADER = [
    "invoice_number",
    "kind",
    "issued_on",
    "period_start",
    "period_end",
    "description",
    "quantity",
    "unit_pence",
    "amount_pence",
    "amount",
    "po_number",
]


def csv_response(access: SchoolAccess) -> HttpResponse:
    out = io.StringIO()
    writer = SafeWriter(out)
    writer.writerow(CSV_HEADER)
    for invoice in invoices_for(access).order_by("issued_on").prefetch_related("lines"):
        for line in invoice.lines.all():
            writer.writerow(
                [
                    invoice.number,
                    invoice.kind,
                    invoice.issued_on,
                    invoice.period_start,
                    invoice.period_end,
                    line.description,
                    line.quantity,
                    line.unit_pence,
                    line.amount_pence,
                    pounds(line.amount_pence),
                    invoice.po_number,
                ]
            )
    response = HttpResponse(
        out.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8"
    )
    attach(response, "pupilhub-invoices.csv")
    return response


def invoice_pdf(invoice: Invoice) -> bytes:
    school = invoice.school
    rows = [["Description", "Pupils", "Price a year", "Amount"]]
    for line in invoice.lines.all():
        rows.append(
            [
                pdf.text(line.description, "cell"),
                str(line.quantity),
                pounds(line.unit_pence),
                pounds(line.amount_pence),
            ]
        )
    rows.append(["", "", "Total due", pounds(invoice.amount_pence)])
    supplier = settings.INVOICE_SUPPLIER
    vat = f"VAT number {supplier['vat_number']}" if supplier["vat_number"] else "Not VAT registered"
    story = [
        pdf.Heading(f"Invoice {invoice.number}"),
        pdf.table(
            [
                ["From", "To"],
                [
                    pdf.text(
                        "\n".join((supplier["name"], supplier["address"], supplier["email"], vat)),
                        "cell",
                    ),
                    pdf.text("\n".join(v for v in (school.name, school.postcode) if v), "cell"),
                ],
            ],
            widths=[245, 245],
            header=True,
        ),
        *([pdf.text(f"Your purchase order: {invoice.po_number}")] if invoice.po_number else []),
        pdf.text(f"Issued: {invoice.issued_on:%-d %B %Y}"),
        pdf.text(f"Payment due: {invoice.due_on:%-d %B %Y}"),
        pdf.text(f"Period: {invoice.period_start:%-d %B %Y} to {invoice.period_end:%-d %B %Y}"),
        pdf.Heading("Charges", level=1),
        pdf.table(rows, widths=[280, 50, 80, 80], header=True, grid=True),
        pdf.Heading("How to pay", level=1),
        pdf.text(
            f"By bank transfer within {settings.INVOICE_PAYMENT_DAYS} days to "
            f"{supplier['bank_account_name']}, sort code {supplier['sort_code']}, "
            f"account {supplier['account_number']}. Quote {invoice.number} "
            f"as the reference. Questions: {supplier['email']}."
        ),
        pdf.text(
            "pupilhub External Gateway: 50p per pupil on roll a year unless agreed otherwise.",
            "small",
        ),
    ]
    return pdf.render(
        story, title=f"Invoice {invoice.number}", author="pupilhub", running_name=school.name
    )
