"""Argon2id password hashing and the password rules (等保 2.0 三级 style)."""

from __future__ import annotations

import string

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from spotcheck.accounts import password_rules

_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters
MIN_LENGTH = 10


def use_cheap_parameters_for_tests() -> None:
    """Argon2id with its cheapest parameters (RFC 9106's test profile), for the test suite only:
    it creates thousands of accounts, each costing ~0.17 s with the recommended parameters.
    Verification reads the parameters stored in each hash, so both kinds verify everywhere."""
    global _HASHER
    _HASHER = PasswordHasher.from_parameters(profiles.CHEAPEST)


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether the password matches the hash; never raises for a bad hash."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    return _HASHER.check_needs_rehash(password_hash)


def password_problems(
    password: str, username: str = "", full_name: str = "", phone: str = ""
) -> list[str]:
    """Every rule the password breaks, in Chinese; empty when it is acceptable.

    Length and character classes here; common and leaked passwords, and the user's own username,
    name (also in pinyin) and phone number in `password_rules`."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(f"密码至少 {MIN_LENGTH} 位")
    classes = [
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(c in string.punctuation for c in password),
    ]
    if sum(classes) < 3:
        problems.append("密码须包含大写字母、小写字母、数字、符号中的至少三类")
    problems += password_rules.personal_problems(password, username, full_name, phone)
    if len(set(password)) < 5:
        problems.append("密码字符过于单一")
    common = password_rules.common_problem(password)
    if common:
        problems.append(common)
    return problems
