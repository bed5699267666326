"""What changes safeguarding state: raising a concern (any member of staff), and the leads'
work on it. Each action is one transaction with its audit rows and alerts; mail goes after
commit and never names the child or says what happened."""

from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pupilhub.accounts import tasks as account_tasks
from pupilhub.core import audit
from pupilhub.core.errors import Conflict, Forbidden
from pupilhub.core.outbox import enqueue
from pupilhub.documents.models import SafeguardingAction, SafeguardingIssue
from pupilhub.documents.registry import SAFEGUARDING
from pupilhub.documents.validation import clean_document
from pupilhub.pupils.models import Pupil
from pupilhub.schools.access import SchoolAccess
from pupilhub.schools.actions import tell_leads
from pupilhub.transition.jobs import school_days_after

from . import validation as check
from .access import require_lead
from .choices import AlertKind
from .links import code_hash, token_hash
from .models import (
    Alert,
    BodyMark,
    Category,
    ChildProtectionTransfer,
    IssueLink,
    ReferenceCounter,
    Referral,
    Task,
)

RECEIPT_SCHOOL_DAYS = 5
LINK_DAYS = 14


def _next_reference(school: Any, year: int) -> str:
    """SG-<year>-<n>, numbered per school and year under a row lock (two concerns raised at
    once never share a number)."""
    ReferenceCounter.objects.bulk_create(
        [ReferenceCounter(school=school, year=year)], ignore_conflicts=True
    )
    counter = ReferenceCounter.objects.select_for_update().get(school=school, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"SG-{year}-{counter.last:04d}"


def record_alert(school: Any, kind: str, object_id: Any, on: date) -> bool:
    """Record an alert unless this one was already given today; True when it is new."""
    try:
        with transaction.atomic():
            Alert.objects.create(school=school, kind=kind, object_id=str(object_id), on_date=on)
    except IntegrityError:
        return False
    return True


@transaction.atomic
def do_raise_concern(access: SchoolAccess, pupil: Pupil, data: dict[str, Any]) -> SafeguardingIssue:
    """Any member of staff passes a concern to the leads. The record, its receipt number,
    marks, links and the leads' alert are written together; the leads' mail goes after
    commit. Only leads and the main admin may choose a status other than `new`."""
    errors: check.Errors = {}
    marks = check.clean_marks(data.get("body_map") or [], errors)
    links = check.linked_pupils(access, pupil, data.get("linked_pupils"), errors)
    check.check_category(access.school, data.get("category"), errors)
    check.check_not_future(data.get("date"), "date", errors)
    check.raise_if(errors)
    status = data.get("status") if access.can_see_safeguarding and data.get("status") else "new"
    fields = ("date", "category", "description", "actions_taken")
    values = clean_document(SAFEGUARDING, {**{f: data.get(f) or "" for f in fields}})
    values["status"] = status
    today = timezone.localdate()
    issue = SafeguardingIssue.objects.create(
        school=access.school,
        pupil=pupil,
        created_by=access.user,
        reference=_next_reference(access.school, today.year),
        **values,
    )
    if values.get("actions_taken"):
        SafeguardingAction.objects.create(
            school=access.school,
            issue=issue,
            by=access.user,
            by_name=access.user.full_name if access.user else "",
            text=values["actions_taken"],
        )
    BodyMark.objects.bulk_create(
        BodyMark(school=access.school, issue=issue, position=i, **mark)
        for i, mark in enumerate(marks)
    )
    IssueLink.objects.bulk_create(
        IssueLink(school=access.school, issue=issue, pupil=linked) for linked in links
    )
    audit.record(
        access.user, "safeguarding_issue.created", issue, pupil=str(pupil.pk), marks=len(marks)
    )
    record_alert(access.school, AlertKind.NEW_CONCERN, issue.pk, today)
    tell_leads(access.school, "safeguarding_new_concern", {"school": access.school.name})
    return issue


@transaction.atomic
def do_mark_opened(access: SchoolAccess, issue: SafeguardingIssue) -> None:
    """A lead opened a new concern: it leaves the top of every lead's dashboard."""
    require_lead(access)
    changed = SafeguardingIssue.objects.filter(pk=issue.pk, opened_at__isnull=True).update(
        opened_at=timezone.now(), opened_by=access.user
    )
    if issue.status == "new":
        SafeguardingIssue.objects.filter(pk=issue.pk, status="new").update(status="open")
        issue.status = "open"
    if changed:
        audit.record(access.user, "safeguarding_issue.opened", issue)


@transaction.atomic
def do_add_category(access: SchoolAccess, name: str) -> Category:
    require_lead(access)
    errors: check.Errors = {}
    name = check.required_text({"name": name}, "name", 100, errors)
    key = check.category_key_for(name)
    if name and not key:
        check.add(errors, "name", _("Use letters or digits in the name."))
    check.raise_if(errors)
    if key in dict(check.categories(access.school)):
        raise Conflict(_("That category is already on the list."), code="duplicate")
    category = Category.objects.create(school=access.school, key=key, name=name)
    audit.record(access.user, "safeguarding_category.created", category)
    return category


@transaction.atomic
def do_assign_task(access: SchoolAccess, issue: SafeguardingIssue, data: dict[str, Any]) -> Task:
    """A lead asks a member of staff to do something by a date; they are told (no detail)."""
    require_lead(access)
    errors: check.Errors = {}
    member = check.assignee(access, data.get("assignee"), errors)
    text = check.required_text(data, "task", 500, errors)
    if not isinstance(data.get("due_on"), date):
        check.add(errors, "due_on", _("Give a due date."))
    check.check_not_past(data.get("due_on"), "due_on", errors)
    check.raise_if(errors)
    assert member is not None
    task = Task.objects.create(
        school=access.school,
        issue=issue,
        assignee=member,
        task=text,
        due_on=data["due_on"],
        created_by=access.user,
    )
    audit.record(access.user, "safeguarding_task.created", task, pupil=str(issue.pupil_id))
    context = {"school": access.school.name, "due_on": f"{task.due_on:%-d %B %Y}"}
    address = member.user.email
    transaction.on_commit(
        lambda: enqueue(account_tasks.send_plain, "safeguarding_task", address, context)
    )
    return task


@transaction.atomic
def do_complete_task(access: SchoolAccess, task: Task, note: str) -> Task:
    """The assignee (or a lead) marks the task done, with a note. Doing it twice changes
    nothing."""
    is_assignee = access.membership is not None and task.assignee_id == access.membership.pk
    if not (is_assignee or access.can_see_safeguarding):
        raise Forbidden()
    errors: check.Errors = {}
    note = check.optional_text({"note": note}, "note", 5000, errors)
    check.raise_if(errors)
    if task.done_at is not None:
        return task
    task.done_at, task.done_by, task.done_note = timezone.now(), access.user, note
    task.save(update_fields=["done_at", "done_by", "done_note"])
    audit.record(access.user, "safeguarding_task.done", task, pupil=str(task.issue.pupil_id))
    return task


def _check_referral_dates(data: dict[str, Any], errors: check.Errors) -> None:
    check.check_not_future(data.get("referred_on"), "referred_on", errors)
    check.check_not_future(data.get("responded_on"), "responded_on", errors)
    referred, responded = data.get("referred_on"), data.get("responded_on")
    if isinstance(referred, date) and isinstance(responded, date) and responded < referred:
        check.add(errors, "responded_on", _("Must not be before the referral."))


@transaction.atomic
def do_add_referral(
    access: SchoolAccess, issue: SafeguardingIssue, data: dict[str, Any]
) -> Referral:
    require_lead(access)
    errors: check.Errors = {}
    if not isinstance(data.get("referred_on"), date):
        check.add(errors, "referred_on", _("Give the date of the referral."))
    _check_referral_dates(data, errors)
    check.check_not_past(data.get("response_due_on"), "response_due_on", errors)
    reference = check.optional_text(data, "reference", 100, errors)
    check.raise_if(errors)
    referral = Referral.objects.create(
        school=access.school,
        issue=issue,
        agency=data["agency"],
        referred_on=data["referred_on"],
        reference=reference,
        response_due_on=data.get("response_due_on"),
        created_by=access.user,
    )
    audit.record(access.user, "safeguarding_referral.created", referral, pupil=str(issue.pupil_id))
    return referral


@transaction.atomic
def do_update_referral(access: SchoolAccess, referral: Referral, data: dict[str, Any]) -> Referral:
    """Record the agency's response: its outcome and the day it came."""
    require_lead(access)
    errors: check.Errors = {}
    merged = {"referred_on": referral.referred_on, **data}
    _check_referral_dates(merged, errors)
    if "outcome" in data:
        data["outcome"] = check.optional_text(data, "outcome", 5000, errors)
    check.raise_if(errors)
    fields = [f for f in ("outcome", "responded_on", "reference") if f in data]
    for field in fields:
        empty = None if field == "responded_on" else ""
        setattr(referral, field, empty if data[field] is None else data[field])
    referral.save(update_fields=fields)
    audit.record(
        access.user,
        "safeguarding_referral.updated",
        referral,
        pupil=str(referral.issue.pupil_id),
        fields=fields,
    )
    return referral


@transaction.atomic
def do_send_cp_file(
    access: SchoolAccess, pupil: Pupil, data: dict[str, Any], issues: int, file_ids: list[str]
) -> ChildProtectionTransfer:
    """Send a pupil's child-protection file to a school outside pupilhub or outside the
    cluster. The link and its code are made by the mail task (no secret in the broker)."""
    require_lead(access)
    errors: check.Errors = {}
    name = check.required_text(data, "to_school_name", 200, errors)
    address = check.email_address(data.get("to_email"), "to_email", errors)
    urn = check.urn(data.get("to_urn"), errors)
    check.raise_if(errors)
    if not issues:
        raise Conflict(_("This pupil has no safeguarding records to send."), code="no_records")
    transfer = ChildProtectionTransfer.objects.create(
        school=access.school,
        pupil=pupil,
        to_school_name=name,
        to_email=address,
        to_urn=urn,
        files=file_ids,
        created_by=access.user,
        due_by=school_days_after(timezone.localdate(), RECEIPT_SCHOOL_DAYS),
        expires_at=timezone.now() + timedelta(days=LINK_DAYS),
    )
    audit.record(access.user, "safeguarding_cp_file.sent", transfer, pupil=str(pupil.pk))
    from . import tasks

    transaction.on_commit(lambda: enqueue(tasks.send_cp_file, str(transfer.pk)))
    return transfer


@transaction.atomic
def do_issue_cp_secrets(transfer: ChildProtectionTransfer, raw_token: str, code: str) -> None:
    """Store the link's and code's hashes (a new pair voids any earlier one)."""
    transfer.token_hash = token_hash(raw_token)
    transfer.code_hash = code_hash(transfer.pk, code)
    transfer.save(update_fields=["token_hash", "code_hash"])


@transaction.atomic
def do_open_cp_file(transfer: ChildProtectionTransfer) -> None:
    """The receiving lead gave the right code: the file is `opened`."""
    if transfer.opened_at is None:
        transfer.opened_at = timezone.now()
        if transfer.status == ChildProtectionTransfer.Status.SENT:
            transfer.status = ChildProtectionTransfer.Status.OPENED
        transfer.save(update_fields=["opened_at", "status"])
        audit.record(None, "safeguarding_cp_file.opened", transfer, school=transfer.school)


@transaction.atomic
def do_confirm_cp_receipt(transfer: ChildProtectionTransfer, name: str, role: str) -> None:
    """The receiving lead confirms receipt with their name and role; the link dies."""
    errors: check.Errors = {}
    name = check.required_text({"name": name}, "name", 200, errors)
    role = check.required_text({"role": role}, "role", 200, errors)
    check.raise_if(errors)
    transfer.received_at = timezone.now()
    transfer.received_by_name, transfer.received_by_role = name, role
    transfer.status = ChildProtectionTransfer.Status.RECEIVED
    transfer.token_hash = None
    transfer.save(
        update_fields=[
            "received_at",
            "received_by_name",
            "received_by_role",
            "status",
            "token_hash",
        ]
    )
    audit.record(None, "safeguarding_cp_file.received", transfer, school=transfer.school)
    tell_leads(
        transfer.school,
        "safeguarding_cp_received",
        {"school": transfer.school.name, "name": name, "role": role},
    )
