"""The shared membership cache never outlives a change to a membership or a school."""

from pupilhub.schools import actions
from pupilhub.schools.access import staff_access
from pupilhub.schools.models import StaffMembership


def test_removing_a_member_takes_effect_at_once(
    personas, shared_cache, django_capture_on_commit_callbacks
):
    web = personas.web("teacher")
    url = f"/schools/{personas.school_a.id}/pupils/"
    assert web.get(url).status_code == 200  # cached now
    admin = staff_access(personas.admin, personas.school_a.id)
    member = StaffMembership.objects.get(user=personas.teacher)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_remove_staff(admin, member)
    assert web.get(url).status_code == 404


def test_a_demoted_main_admin_loses_main_admin_rights_at_once(
    personas, shared_cache, django_capture_on_commit_callbacks
):
    before = staff_access(personas.main_admin, personas.school_a.id)
    assert before.is_main_admin  # cached now
    head = staff_access(personas.main_admin, personas.school_a.id)
    successor = StaffMembership.objects.get(user=personas.admin)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_change_role(head, successor, "main_admin", False)
    assert not staff_access(personas.main_admin, personas.school_a.id).is_main_admin


def test_a_changed_school_is_read_afresh(
    personas, shared_cache, django_capture_on_commit_callbacks
):
    assert staff_access(personas.teacher, personas.school_a.id).school.external_login_enabled
    with django_capture_on_commit_callbacks(execute=True):
        personas.school_a.external_login_enabled = False
        personas.school_a.save()
    assert not staff_access(personas.teacher, personas.school_a.id).school.external_login_enabled


def test_the_cached_roll_count_follows_new_and_archived_pupils(
    personas, shared_cache, django_capture_on_commit_callbacks
):
    from pupilhub.testing import make_pupil

    web = personas.web("teacher")
    url = f"/schools/{personas.school_a.id}/pupils/"
    assert "1 pupil<" in web.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        other = make_pupil(personas.school_a)
    assert "2 pupils" in web.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        other.status = "archived"
        other.save()
    assert "1 pupil<" in web.get(url).content.decode()
    assert "1 pupil<" in web.get(url + "?status=archived").content.decode()


def test_a_deactivated_or_repassworded_user_is_signed_out_at_once(
    personas, shared_cache, django_capture_on_commit_callbacks
):
    web = personas.web("teacher")
    url = f"/schools/{personas.school_a.id}/pupils/"
    assert web.get(url).status_code == 200  # the user row is cached now
    with django_capture_on_commit_callbacks(execute=True):
        personas.teacher.set_password("a brand new long passphrase")
        personas.teacher.save()
    assert web.get(url).status_code == 302  # the session's password hash no longer matches
    other = personas.web("senco")
    assert other.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        personas.senco.is_active = False
        personas.senco.save()
    assert other.get(url).status_code == 302
