import pytest
from hypothesis import given
from hypothesis import strategies as st

from pupilhub.gateway import keys


def test_a_key_is_16_random_symbols_and_a_check_symbol_in_groups_of_four():
    key = keys.generate()
    assert len(key) == 17 and set(key) <= set(keys.ALPHABET)
    assert keys.check_symbol(key[:16]) == key[16]
    shown = keys.display(key)
    assert shown.count("-") == 4 and shown.replace("-", "") == key
    assert keys.generate() != keys.generate()


def test_typing_is_forgiving_about_case_spaces_hyphens_and_look_alikes():
    key = "0123456789ABCDEF"
    key += keys.check_symbol(key)
    typed = keys.display(key).lower().replace("0", "o").replace("1", "l")
    assert keys.normalise(" " + typed.replace("-", " - ") + " ") == key


@pytest.mark.parametrize("position", range(17))
def test_a_typo_in_each_position_is_caught(position):
    key = keys.generate()
    for symbol in keys.ALPHABET:
        if symbol == key[position]:
            continue
        wrong = key[:position] + symbol + key[position + 1 :]
        with pytest.raises(keys.KeyTypo):
            keys.normalise(wrong)


@given(st.text(alphabet=keys.ALPHABET, min_size=16, max_size=16))
def test_swaps_of_neighbours_are_caught_except_0_and_z(body):
    """Luhn mod 32 misses a swap only of the pair 0 and Z (as Luhn mod 10 misses 09/90)."""
    key = body + keys.check_symbol(body)
    for i in range(16):
        a, b = key[i], key[i + 1]
        if a == b:
            continue
        swapped = key[:i] + b + a + key[i + 2 :]
        try:
            keys.normalise(swapped)
        except keys.KeyTypo:
            continue
        assert {a, b} == {"0", "Z"}, (key, i)


def test_wrong_lengths_and_symbols_are_typos():
    with pytest.raises(keys.KeyTypo, match="17 characters"):
        keys.normalise("ABC")
    with pytest.raises(keys.KeyTypo, match="cannot contain U"):
        keys.normalise("U" * 17)


def test_only_an_hmac_is_stored():
    key = keys.generate()
    digest = keys.digest(key)
    assert len(digest) == 64 and key not in digest and keys.digest(key) == digest
