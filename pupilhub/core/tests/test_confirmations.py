"""Issue 17: destructive actions on the pages ask first. The first POST answers a page
saying what will happen (and changes nothing); the same fields posted again with
`confirmed=1` act. Each works without JavaScript."""

from pupilhub.documents.models import SafeguardingIssue
from pupilhub.gateway.models import ExternalDenial, ExternalLink, LicenceType
from pupilhub.testing import make_user
from pupilhub.transition.models import Cluster, ClusterMembership


def _asks(response, words):
    page = response.content.decode()
    assert response.status_code == 200
    assert words in page and 'name="confirmed" value="1"' in page
    return page


def test_deleting_a_safeguarding_issue_asks_first(personas):
    issue = SafeguardingIssue.objects.create(
        school=personas.school_a,
        pupil=personas.pupil,
        date="2026-10-01",
        category="other",
        description="Concern",
    )
    url = (
        f"/schools/{personas.school_a.id}/pupils/{personas.pupil.id}"
        f"/safeguarding-issues/{issue.id}/delete/"
    )
    web = personas.web("senco")
    _asks(web.post(url), "Delete the safeguarding issue")
    issue.refresh_from_db()
    assert issue.deleted_at is None
    assert web.post(url, {"confirmed": "1"}).status_code == 302
    issue.refresh_from_db()
    assert issue.deleted_at is not None


def test_leaving_a_cluster_asks_first(personas):
    cluster = Cluster.objects.create(name="North")
    m = ClusterMembership.objects.create(cluster=cluster, school=personas.school_a, status="active")
    url = f"/schools/{personas.school_a.id}/clusters/{m.id}/decide/"
    web = personas.web("main_admin")
    page = _asks(web.post(url, {"to": "leave"}), "Leave the cluster")
    assert 'name="to" value="leave"' in page  # the same choice is posted again
    m.refresh_from_db()
    assert m.status == "active"
    assert web.post(url, {"to": "leave", "confirmed": "1"}).status_code == 302
    m.refresh_from_db()
    assert m.status == "left"


def test_denying_a_family_account_or_removing_a_link_asks_first(personas):
    parent = make_user("mum@example.com")
    lt = LicenceType.objects.get(school=personas.school_a, kind="parent")
    link = ExternalLink.objects.create(
        user=parent, school=personas.school_a, pupil=personas.pupil, licence_type=lt
    )
    url = f"/schools/{personas.school_a.id}/gateway/users/"
    web = personas.web("admin")
    _asks(web.post(url, {"action": "deny", "user": parent.id}), "Deny the account")
    assert not ExternalDenial.objects.exists()
    web.post(url, {"action": "deny", "user": parent.id, "confirmed": "1"})
    assert ExternalDenial.objects.filter(user=parent).exists()
    _asks(web.post(url, {"action": "remove_link", "link": link.id}), "Remove the link")
    assert ExternalLink.objects.filter(pk=link.pk).exists()
    web.post(url, {"action": "remove_link", "link": link.id, "confirmed": "1"})
    assert not ExternalLink.objects.filter(pk=link.pk).exists()


def test_the_remove_button_is_visible(personas):
    """It was white on white (1:1): `.link-button` now has the brand colour."""
    from pathlib import Path

    css = (Path(__file__).parents[3] / "static/css/pupilhub.css").read_text()
    rule = next(line for line in css.splitlines() if line.startswith(".link-button {"))
    assert "color: var(--brand)" in rule
