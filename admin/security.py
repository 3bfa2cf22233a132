"""Passwords: argon2id hashes of the NFKC-normalised text, and what a new one must be."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

_hasher = PasswordHasher()
# Verifying against this when the email is unknown keeps the timing of both failures alike.
_DUMMY_HASH = _hasher.hash("not a real password, only used to spend the same time")
MIN_PASSWORD_LENGTH = 12
# Longer passphrases add nothing, and the cap bounds the work of hashing and strength checks.
MAX_PASSWORD_LENGTH = 128
# zxcvbn's score from 0 (a common password, a repetition) to 4; 3 means "safely unguessable".
MIN_STRENGTH = 3


def normalise_password(password: str) -> str:
    """NFKC: a composed and a decomposed "é" (and other look-alike forms) are one password."""
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str) -> str:
    """An argon2id hash of the normalised password, salted."""
    return _hasher.hash(normalise_password(password))


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches; spends at least one argon2 verification.

    Hashes made before passwords were normalised are of the text as typed: when the
    normalised form does not match and differs from the typed one, the typed one is tried
    (see needs_rehash).
    """
    if len(password) > MAX_PASSWORD_LENGTH * 4:  # never a password we set; not worth hashing
        _matches(None, "")
        return False
    normal = normalise_password(password)
    if _matches(password_hash, normal):
        return True
    return normal != password and _matches(password_hash, password)


def needs_rehash(password_hash: str, password: str) -> bool:
    """True when a hash that `password` matched should be replaced: older argon2 parameters,
    or made from the text as typed rather than normalised."""
    if _hasher.check_needs_rehash(password_hash):
        return True
    normal = normalise_password(password)
    return normal != password and not _matches(password_hash, normal)


def password_problem(password: str, *, personal: Iterable[str] = ()) -> str | None:
    """Why a new password is not acceptable, or None.

    `personal` are words an attacker would try first (the person's email, say).
    """
    password = normalise_password(password)
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"use at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"use at most {MAX_PASSWORD_LENGTH} characters"
    if password.strip() != password or not password.strip():
        return "no leading or trailing spaces"
    words = [*personal, "nearmiss"]
    words += [part for word in personal for part in word.replace("@", " ").replace(".", " ")
              .split()]
    if zxcvbn(password, user_inputs=words)["score"] < MIN_STRENGTH:
        return ("too easy to guess: avoid common passwords, repeated characters and sequences, "
                "names and dates; a few unrelated words make a good password")
    return None


def _matches(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
