"""Issue 33, item 4: one pupil's transfer from a school of 8,000 cost four times one from a
school of 250: the match read the sender's whole roll. A few pupils are matched by index,
and the answer is the same as against the whole roll."""

from datetime import date, timedelta

import pytest

from pupilhub.pupils.models import Pupil
from pupilhub.testing import make_pupil, make_school
from pupilhub.transition import matching


def _twin(school, pupil, **changes):
    fields = {
        "first_name": pupil.first_name,
        "surname": pupil.surname,
        "date_of_birth": pupil.date_of_birth,
        "pupil_id": pupil.pupil_id,
        "year_group": 7,
    }
    return make_pupil(school, **{**fields, **changes})


@pytest.fixture
def schools(db):
    mine, partner = make_school("Receiving"), make_school("Sending", postcode="OX2 2AA")
    mine_pupils = [make_pupil(mine, year_group=7) for _ in range(8)]
    for _ in range(150):  # the sender's roll: strangers
        make_pupil(partner, year_group=6)
    _twin(partner, mine_pupils[0])  # exact
    _twin(partner, mine_pupils[1], first_name="Jo")  # near: first name
    _twin(partner, mine_pupils[2], date_of_birth=date(2011, 1, 1))  # near: date of birth
    other_id = make_pupil(partner).pupil_id
    Pupil.objects.filter(school=partner, pupil_id=other_id).delete()
    _twin(partner, mine_pupils[3], pupil_id=other_id)  # near: pupil ID
    return mine, partner, mine_pupils


def _shape(result):
    return (
        {k: v.pk for k, v in result.exact.items()},
        {k: sorted((o.pk, f) for o, f in v) for k, v in result.near.items()},
    )


def test_matching_a_few_by_index_gives_the_whole_rolls_answer(schools, monkeypatch):
    mine, partner, pupils = schools
    ids = [p.pk for p in pupils]
    by_index = matching.match(mine, partner, ids)
    monkeypatch.setattr(matching, "BY_INDEX_UP_TO", -1)
    whole = matching.match(mine, partner, ids)
    assert _shape(by_index) == _shape(whole)
    assert len(by_index.exact) == 1 and len(by_index.near) == 3


def test_one_pupil_reads_only_its_candidates_not_the_roll(schools):
    _mine, partner, pupils = schools
    found = matching._candidates(partner, [pupils[0]])
    assert len(found) == 1  # the twin, out of 154 pupils
    found = matching._candidates(partner, [pupils[3]])
    assert len(found) == 1


def test_dates_of_birth_far_apart_never_match_by_name_alone(schools):
    mine, partner, pupils = schools
    fresh_id = make_pupil(make_school("Scratch", postcode="OX9 9ZZ")).pupil_id
    twin = _twin(
        partner,
        pupils[4],
        pupil_id=fresh_id,
        date_of_birth=pupils[4].date_of_birth + timedelta(days=400),
    )
    result = matching.match(mine, partner, [pupils[4].pk])
    assert pupils[4].pk not in result.exact
    assert all(o.pk != twin.pk for o, _f in result.near.get(pupils[4].pk, []))
