from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pupilhub.testing import make_pupil, make_upn


def list_url(p):
    return f"/schools/{p.school_a.id}/pupils/"


def test_pupil_pages_for_each_caller(personas):
    detail = f"/schools/{personas.school_a.id}/pupils/{personas.pupil.id}/"
    for url in (list_url(personas), detail):
        assert personas.web(None).get(url).status_code == 302
        assert personas.web("admin_b").get(url).status_code == 404
        page = personas.web("teacher").get(url)
        assert page.status_code == 200
        assert "Zebedee" in page.content.decode()
    edit = f"/schools/{personas.school_a.id}/pupils/{personas.pupil.id}/edit/"
    assert personas.web("teacher").get(edit).status_code == 403
    assert personas.web("admin").get(edit).status_code == 200


def test_the_list_searches_and_filters(personas):
    make_pupil(personas.school_a, first_name="Yusuf", year_group=9, tutor_group="9Q")
    page = personas.web("teacher").get(list_url(personas), {"year_group": 9}).content.decode()
    assert "Yusuf" in page and "Zebedee" not in page
    htmx = personas.web("teacher").get(list_url(personas), {"q": "zeb"}, HTTP_HX_REQUEST="true")
    assert "<html" not in htmx.content.decode() and "Zebedee" in htmx.content.decode()


def test_the_list_sorts_by_any_column_and_keeps_its_filters(personas):
    school = personas.school_a
    make_pupil(school, first_name="Amy", surname="Young", year_group=7, tutor_group="7A")
    make_pupil(school, first_name="Bea", surname="Adams", year_group=10, tutor_group="10C")
    make_pupil(school, first_name="Cal", surname="Moss", year_group=9, tutor_group="9B")

    def order(**params):
        html = personas.web("teacher").get(list_url(personas), params).content.decode()
        body = html.split("<tbody>")[1].split("</tbody>")[0]
        return sorted(("Young", "Adams", "Moss"), key=body.index), html

    names, html = order()
    assert names == ["Adams", "Moss", "Young"]
    assert 'aria-sort="ascending"' in html and "sorted by name (ascending)" in html
    assert 'href="?sort=-name"' in html  # the current column reverses
    assert order(sort="-name")[0] == ["Young", "Moss", "Adams"]
    assert order(sort="year")[0] == ["Young", "Moss", "Adams"]
    names, html = order(sort="-year")
    assert names == ["Adams", "Moss", "Young"] and 'aria-sort="descending"' in html
    assert order(sort="tutor_group")[0] == ["Adams", "Young", "Moss"]  # 10C < 7A < 9B as text
    names, html = order(sort="year", q="a")  # the filters stay in every header link
    assert "q=a" in html.split("<thead>")[1].split("</thead>")[0]
    assert 'name="sort" value="year"' in html  # and searching keeps the order
    assert order(sort="nonsense")[0] == ["Adams", "Moss", "Young"]  # unknown: name order


def test_an_admin_adds_a_pupil_and_sees_field_errors(personas):
    url = f"/schools/{personas.school_a.id}/pupils/new/"
    bad = personas.web("admin").post(
        url,
        {
            "first_name": "A",
            "surname": "B",
            "date_of_birth": "2012-01-01",
            "pupil_id": "A801200005001",
            "year_group": 8,
            "status": "active",
        },
    )
    assert bad.status_code == 200
    assert "check letter" in bad.content.decode()
    good = personas.web("admin").post(
        url,
        {
            "first_name": "A",
            "surname": "B",
            "date_of_birth": "2012-01-01",
            "pupil_id": make_upn(4242),
            "year_group": 8,
            "status": "active",
        },
    )
    assert good.status_code == 302


def test_the_import_page_lists_row_errors(personas):
    url = f"/schools/{personas.school_a.id}/pupils/import/"
    csv = b"first_name,surname,date_of_birth,pupil_id,year_group\nA,B,bad,X,8\n"
    page = personas.web("admin").post(url, {"file": SimpleUploadedFile("p.csv", csv)})
    assert "Row 2" in page.content.decode() and "Nothing was imported" in page.content.decode()


def test_the_pupil_list_uses_a_constant_number_of_queries(personas):
    from django.core.cache import cache

    client = personas.web("teacher")
    client.get(list_url(personas))
    cache.clear()  # cold, whatever the cache backend (Redis in CI's second leg)
    with CaptureQueriesContext(connection) as few:
        client.get(list_url(personas))
    for _ in range(60):
        make_pupil(personas.school_a)
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        client.get(list_url(personas))
    assert len(many) == len(few)
    assert len(many) <= 10
