"""Licence keys: 16 random Crockford base32 symbols (80 bits) and a check symbol.

The check symbol is Luhn mod 32 over the symbols: it catches every single
mistyped symbol and almost every swap of neighbours. Keys are shown in groups
of four; input ignores case, spaces and hyphens and reads O as 0 and I/L as 1.
Only an HMAC of the key (server secret) is stored.
"""

import hashlib
import hmac
import secrets

from django.conf import settings

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
N = len(ALPHABET)  # 32
BODY = 16
INDEX = {c: i for i, c in enumerate(ALPHABET)}
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


class KeyTypo(ValueError):
    """The key cannot be right as typed (wrong length, symbol or check)."""


def check_symbol(body: str) -> str:
    """Luhn mod N: double every second code point from the right, fold, sum."""
    factor, total = 2, 0
    for char in reversed(body):
        addend = factor * INDEX[char]
        factor = 1 if factor == 2 else 2
        total += addend // N + addend % N
    return ALPHABET[(N - total % N) % N]


def generate() -> str:
    """80 random bits (one call to the OS's generator) as 16 base32 symbols, plus check."""
    bits = int.from_bytes(secrets.token_bytes(10), "big")
    body = "".join(ALPHABET[(bits >> (5 * i)) & 31] for i in range(BODY))
    return body + check_symbol(body)


def display(key: str) -> str:
    """ABCD-EFGH-JKMN-PQRS-T"""
    return "-".join(key[i : i + 4] for i in range(0, len(key), 4))


def normalise(typed: str) -> str:
    """The canonical 17 symbols, or KeyTypo saying what looks wrong."""
    text = "".join((typed or "").upper().split()).replace("-", "").translate(_READ_AS)
    if len(text) != BODY + 1:
        raise KeyTypo(f"A licence key has {BODY + 1} characters; this has {len(text)}.")
    bad = sorted({c for c in text if c not in INDEX})
    if bad:
        raise KeyTypo(f"A licence key cannot contain {', '.join(bad)}.")
    if check_symbol(text[:BODY]) != text[BODY]:
        raise KeyTypo("This licence key looks mistyped: check each character.")
    return text


def digest(key: str) -> str:
    """Keyed HMAC-SHA256: an 80-bit random key needs no slow hash, only a secret."""
    secret = settings.LICENCE_KEY_SECRET.encode()
    return hmac.new(secret, key.encode(), hashlib.sha256).hexdigest()
