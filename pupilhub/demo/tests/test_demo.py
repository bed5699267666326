from pupilhub.demo import builder as demo
from pupilhub.documents.models import Plan, SafeguardingIssue
from pupilhub.pupils.models import Pupil
from pupilhub.schools.models import School


def test_the_demo_builds_every_school_with_records(db):
    before = School.objects.count()  # the test personas, when another test built them
    built = demo.build()
    assert School.objects.count() == before + 5
    assert all(Pupil.objects.filter(school=s).count() >= 30 for s in built.schools.values())
    assert Plan.objects.exists() and SafeguardingIssue.objects.exists()
    assert demo.already_built()
    assert ("operator@pupilhub.example", "Platform operator") in demo.logins()
