"""The audit log in words for the people who read it (heads, data protection officers):
"Opened a pupil's record", not `pupil.viewed`. The codes stay in the API and the CSV."""

from typing import Any

from pupilhub.core.templatetags.pupilhub import pounds

# What each kind of record is called on the page.
SUBJECTS = {
    "account": "Account",
    "auth": "Sign-in",
    "cluster": "Cluster",
    "file": "File",
    "gateway": "Families' gateway",
    "invoice": "Invoice",
    "licence_type": "Licence type",
    "meeting_log": "Meeting log",
    "message": "Email to families",
    "operator": "Operator",
    "passport": "Pupil passport",
    "plan": "Plan",
    "provision": "Provision",
    "pupil": "Pupil record",
    "report": "Report",
    "retention": "Retention",
    "safeguarding_issue": "Safeguarding issue",
    "safeguarding_task": "Safeguarding task",
    "safeguarding_referral": "Safeguarding referral",
    "safeguarding_category": "Safeguarding category",
    "safeguarding_cp_file": "Child-protection file",
    "safeguarding_chronology": "Safeguarding chronology",
    "school": "School",
    "staff": "Staff",
    "subscription": "Subscription",
    "tracking": "Tracking data",
    "tracking_field": "Tracking field",
    "transfer": "Records transfer",
}

# Whole sentences where "<subject> <verb>" would read badly.
SENTENCES = {
    "pupil.viewed": "Opened a pupil's record",
    "pupil.subject_access_exported": "Exported a pupil's data (subject access request)",
    "safeguarding_issue.read": "Read a safeguarding issue",
    "safeguarding_issue.listed": "Opened the list of safeguarding issues",
    "safeguarding_issue.action_added": "Added an action to a safeguarding issue",
    "safeguarding_issue.created": "Raised a safeguarding concern",
    "safeguarding_issue.opened": "Opened a new safeguarding concern",
    "safeguarding_task.created": "Gave a member of staff a safeguarding task",
    "safeguarding_task.done": "Finished a safeguarding task",
    "safeguarding_cp_file.sent": "Sent a child-protection file to another school",
    "safeguarding_cp_file.opened": "The receiving school opened a child-protection file",
    "safeguarding_cp_file.downloaded": "The receiving school downloaded a child-protection file",
    "safeguarding_cp_file.file_downloaded": "The receiving school downloaded an attached file",
    "safeguarding_cp_file.received": "The receiving school confirmed a child-protection file",
    "safeguarding_chronology.read": "Read a pupil's safeguarding chronology",
    "file.downloaded": "Downloaded a file",
    "report.downloaded": "Downloaded a report",
    "passport.printed": "Printed a pupil passport",
    "message.queued": "Queued an email to families",
    "auth.token_issued": "Signed in to the API",
    "auth.token_revoked": "Signed out of the API",
    "auth.second_factor_used": "Confirmed a sign-in with a second factor",
    "auth.hold_lifted": "Lifted a sign-in hold",
    "account.mfa_enabled": "Turned on two-step sign-in",
    "account.mfa_disabled": "Turned off two-step sign-in",
    "account.recovery_codes_replaced": "Replaced the recovery codes",
    "account.email_change_requested": "Asked to change the account's email address",
    "staff.invited": "Invited a member of staff",
    "staff.invitation_resent": "Sent a new invitation link",
    "staff.invitation_accepted": "Accepted an invitation",
    "staff.mfa_reset": "Reset a colleague's two-step sign-in",
    "gateway.pupil_linked": "Linked a family account to a pupil",
    "gateway.user_denied": "Denied a family account",
    "gateway.user_restored": "Restored a family account",
    "gateway.settings_changed": "Changed the families' gateway settings",
    "licence_type.access_changed": "Changed what a licence type may see",
    "tracking.imported": "Imported tracking data",
    "cluster.member_added": "Added a school to a cluster",
    "cluster.membership_active": "Approved a cluster membership",
    "cluster.membership_denied": "Denied a cluster membership",
    "cluster.membership_left": "Left a cluster",
    "retention.leaver_kept": "Kept a leaver's records longer",
    "retention.leavers_noticed": "Sent the leavers' retention notice",
    "retention.purged": "Deleted records past their retention date",
    "transfer.overdue_notified": "Reminded the school of an overdue transfer",
    "school.logo_changed": "Changed the school logo",
    "school.price_changed": "Changed the price per pupil",
    "invoice.activation_raised": "Raised the activation invoice",
    "invoice.annual_raised": "Raised the annual invoice",
}

VERBS = {
    "created": "added",
    "updated": "changed",
    "changed": "changed",
    "deleted": "deleted",
    "restored": "restored",
    "purged": "deleted for good",
    "viewed": "opened",
    "read": "read",
    "ended": "ended",
    "archived": "archived",
    "activated": "activated",
    "approved": "approved",
    "denied": "denied",
    "requested": "requested",
    "completed": "completed",
}

DETAIL_NAMES = {
    "fields": "Changed",
    "changed": "Changed",
    "amount_pence": "Amount",
    "safeguarding_lead": "Safeguarding lead",
    "can_email_families": "May email families",
    "document_types": "Records",
}
HIDDEN_DETAIL = {"pupil"}  # shown in the Record column already


# Records by their model's name (an event's `object_type`), where the model's own name
# would not read well; any other model is called by its verbose name.
RECORDS = {
    "attachment": "File",
    "meetinglog": "Meeting log",
    "safeguardingissue": "Safeguarding issue",
    "safeguardingaction": "Safeguarding action",
    "staffmembership": "Staff member",
    "licencetype": "Licence type",
    "licencekey": "Licence key",
    "externallink": "Family account link",
    "transferrequest": "Records transfer",
    "clustermembership": "Cluster membership",
    "retentionpolicy": "Retention policy",
    "trackingfield": "Tracking field",
    "printrun": "Report print run",
    "message": "Email to families",
    "apikey": "API key",
    "user": "Account",
    "childprotectiontransfer": "Child-protection file",
    "passport": "Pupil passport",
}


def subject(code: str) -> str:
    return SUBJECTS.get(code, code.replace("_", " ").capitalize())


def record(object_type: str) -> str:
    """What kind of record an event was about, in words: never a model's code name."""
    if not object_type:
        return ""
    if object_type in RECORDS:
        return RECORDS[object_type]
    if object_type in SUBJECTS:
        return SUBJECTS[object_type]
    from django.apps import apps
    from django.utils.text import capfirst

    for model in apps.get_models():
        if model._meta.model_name == object_type:
            return str(capfirst(model._meta.verbose_name))
    return object_type.replace("_", " ").capitalize()


def who(event: Any) -> str:
    """The actor in words: a colleague by name and address; a family or agency account
    as such (never its address); the platform and the system as themselves."""
    kind = event.actor_kind
    if event.actor_id is None or kind == "system":
        return "pupilhub (automatic)"
    if kind == "staff" and event.actor:
        name = event.actor.full_name
        return f"{name} ({event.actor.email})" if name else event.actor.email
    if kind == "operator":
        return "Platform operator"
    if kind == "api_key":
        return f"API key {event.actor.surname}" if event.actor else "An API key"
    return f"A family or agency account (ref. {str(event.actor_id)[:8]})"


def describe(action: str) -> str:
    """One event's action as a sentence a head teacher reads."""
    if action in SENTENCES:
        return SENTENCES[action]
    thing, _, verb = action.partition(".")
    if not verb:
        return subject(thing)
    return f"{subject(thing)} {VERBS.get(verb, verb.replace('_', ' '))}"


def _value(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key.endswith("_pence") and isinstance(value, int):
        return pounds(value)
    if isinstance(value, list | tuple):
        return ", ".join(_value("", v).replace("_", " ") for v in value) or "none"
    if value is None or value == "":
        return "none"
    return str(value).replace("_", " ") if key in {"role", "status", "to"} else str(value)


def detail(data: dict[str, Any] | None) -> list[str]:
    """The event's detail as "Label: value" lines (ids and field names, never content)."""
    lines = []
    for key, value in (data or {}).items():
        if key in HIDDEN_DETAIL:
            continue
        label = DETAIL_NAMES.get(key, key.replace("_", " ").capitalize())
        lines.append(f"{label}: {_value(key, value)}")
    return lines


def action_groups(safeguarding: bool) -> list[tuple[str, str]]:
    """Choices for the page's filter: a prefix of the action code, in words. Safeguarding
    is offered only to those who may see it (for others it leaves no trace)."""
    found = [
        (f"{code}.", name)
        for code, name in SUBJECTS.items()
        if safeguarding or not code.startswith("safeguarding")
    ]
    return sorted(found, key=lambda c: c[1])


def page_rows(access: Any, events: Any) -> list[dict[str, Any]]:
    """A page of events in words, each pupil named (one query for the page) when this
    admin may see the pupil; an event about a pupil since deleted keeps only its id."""
    from pupilhub.pupils.models import Pupil

    ids = {e.pupil for e in events if e.pupil}
    names = {
        str(p.pk): f"{p.first_name} {p.surname}"
        for p in Pupil.objects.visible_to(access).filter(pk__in=ids).only("first_name", "surname")
    }
    return [
        {
            "at": e.at,
            "who": who(e),
            "action": describe(e.action),
            "code": e.action,
            "record": record(e.object_type),
            "pupil": e.pupil,
            "pupil_name": names.get(str(e.pupil), "") if e.pupil else "",
            "detail": detail(e.detail),
        }
        for e in events
    ]
