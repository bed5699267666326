from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from pupilhub.pupils.identity import UPN_LETTERS, match_key, upn_check_letter, upn_error

digits = st.text(alphabet="0123456789", min_size=11, max_size=11)


def test_known_valid_upn_passes():
    assert upn_error("B801200005001") is None


def test_known_wrong_check_letter_is_named():
    assert "check letter" in upn_error("A801200005001")


def test_it_names_length_and_characters():
    assert "13 characters" in upn_error("B80120000500")
    assert "digits" in upn_error("B8012000X5001")
    assert "not I, O or S" in upn_error("I801200005001")


@given(digits, st.sampled_from("0123456789" + UPN_LETTERS))
def test_any_upn_with_its_computed_check_letter_is_valid(body, last):
    assert upn_error(upn_check_letter(body + last) + body + last) is None


@given(digits, st.sampled_from(UPN_LETTERS))
def test_any_other_check_letter_is_refused(body, wrong):
    upn = upn_check_letter(body + "0") + body + "0"
    if wrong != upn[0]:
        assert upn_error(wrong + upn[1:]) is not None


@given(digits, st.integers(min_value=0, max_value=10), st.sampled_from("0123456789"))
def test_a_single_mistyped_digit_is_caught(body, position, digit):
    upn = upn_check_letter(body + "0") + body + "0"
    chars = list(upn)
    if chars[position + 1] != digit:
        chars[position + 1] = digit
        assert upn_error("".join(chars)) is not None


def test_match_key_normalises_case_space_apostrophes_and_unicode():
    a = match_key("  Seán ", "O\u2019Brien", date(2014, 1, 2), "b801200005001")
    b = match_key("SEÁN", "o'brien", date(2014, 1, 2), "B8012 00005001")
    c = match_key("Sea\u0301n", "O`Brien", date(2014, 1, 2), "B801200005001")
    assert a == b
    # NFKC composes the accent written as a combining mark.
    assert a == c
