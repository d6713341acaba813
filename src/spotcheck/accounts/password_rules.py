"""Password rules about content: common and leaked passwords, and the user's own details.

A password is compared with the bases in `common_passwords.txt` after normalisation: NFKC and case
folding, common leet substitutions undone (p@ssw0rd → password), symbols dropped. Up to two bases
found in it are set aside, and so are short digit runs (four digits or fewer: 123, 2026), dates
(19900101, 900101) and digit patterns of the list (5201314); what is left must be at least
`MIN_LEFT` characters. So `Password123!` (nothing left) and `Qwerty#2026Zx` (“zx” left) are
refused, while a common word inside a longer password of one's own is not.

A password may not contain the username, the name (also in pinyin: 张伟 → zhangwei, weizhang) or
the phone number either.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from spotcheck import pinyin

MIN_LEFT = 4
MIN_BASE = 4
MAX_BASES = 2
# Leet characters undone when they stand between letters (p@ssw0rd); '1' is tried as i and as l.
_LEET = {"@": "a", "4": "a", "8": "b", "3": "e", "6": "g", "9": "g", "!": "i", "|": "l"}
_LEET |= {"0": "o", "$": "s", "5": "s", "7": "t", "+": "t"}
_RUN = re.compile(r"[0-9]+|[^0-9]+")


@dataclass(frozen=True)
class CommonList:
    """The bases, split into those with a letter (limited per password) and digit patterns."""

    words: tuple[str, ...]  # longest first
    digits: frozenset[str]


@lru_cache(maxsize=1)
def common_list() -> CommonList:
    """The shipped list, read once."""
    text = resources.files("spotcheck.accounts").joinpath("common_passwords.txt").read_text("utf-8")
    entries = {
        line.strip().lower()
        for line in text.splitlines()
        if line.strip() and not line.startswith("#") and len(line.strip()) >= MIN_BASE
    }
    words = sorted((e for e in entries if not e.isdigit()), key=lambda e: (-len(e), e))
    return CommonList(tuple(words), frozenset(e for e in entries if e.isdigit()))


def _folded(password: str) -> str:
    return unicodedata.normalize("NFKC", password).casefold()


def _unleet(text: str, one: str) -> str:
    chars = list(text)
    for i, ch in enumerate(chars):
        plain = one if ch == "1" else _LEET.get(ch)
        if plain is None:
            continue
        before = chars[i - 1].isalpha() if i > 0 else False
        after = chars[i + 1].isalpha() if i + 1 < len(chars) else False
        if before and after:
            chars[i] = plain
    return "".join(chars)


def _skeleton(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum())


def variants(password: str) -> list[str]:
    """The normalised forms compared: as typed, and with leet undone ('1' as i, and as l)."""
    folded = _folded(password)
    forms = [folded, _unleet(folded, "i"), _unleet(folded, "l")]
    return list(dict.fromkeys(_skeleton(f) for f in forms))


def _is_date(digits: str) -> bool:
    formats = {8: ("%Y%m%d", "%m%d%Y", "%d%m%Y"), 6: ("%y%m%d", "%m%d%y", "%d%m%y")}
    for fmt in formats.get(len(digits), ()):
        try:
            dt.datetime.strptime(digits, fmt)
        except ValueError:
            continue
        return True
    return False


def _left_over(skeleton: str, common: CommonList) -> tuple[str, list[str]]:
    """What is left of a normalised password once bases, short digits and dates are set aside."""
    found: list[str] = []
    rest = skeleton
    for word in common.words:
        if len(found) == MAX_BASES:
            break
        if word in rest:
            found.append(word)
            rest = rest.replace(word, " ", 1)
    left = []
    for piece in rest.split(" "):
        for run in _RUN.findall(piece):
            if run.isdigit() and (len(run) <= 4 or run in common.digits or _is_date(run)):
                continue
            left.append(run)
    return "".join(left), found


def common_problem(password: str) -> str | None:
    """Why the password is a common or leaked one (or a simple variation of it), or None."""
    common = common_list()
    for form in variants(password):
        left, found = _left_over(form, common)
        if len(left) >= MIN_LEFT:
            continue
        if found:
            named = "”“".join(found)
            return (
                f"密码不能使用常见或已泄露的密码（含“{named}”，在前后加数字、符号、年份或个别字母"
                "仍然容易被猜中）"
            )
        return "密码不能主要由日期、年份或常见数字（如 123456、5201314）组成（常见密码规则）"
    return None


def name_forms(full_name: str) -> list[str]:
    """The forms of a name a password may not contain: 张伟 → 张伟, zhangwei, weizhang."""
    name = _folded(full_name).replace(" ", "")
    forms = [name] if len(name) >= 2 and not name.isascii() else []
    ascii_name = _skeleton(name) if name.isascii() else ""
    if len(ascii_name) >= MIN_BASE:
        forms.append(ascii_name)
    syllables = pinyin.syllables(full_name) if not name.isascii() else []
    if syllables:
        given = "".join(syllables[1:])
        forms += ["".join(syllables), given + syllables[0]]
        if len(given) >= MIN_BASE:
            forms.append(given)
    return [f for f in dict.fromkeys(forms) if len(f) >= 2]


def personal_problems(password: str, username: str, full_name: str, phone: str) -> list[str]:
    """The user's own username, name (also in pinyin) or phone number found in the password."""
    problems: list[str] = []
    forms = [_folded(password), *variants(password)]
    user = _skeleton(_folded(username))
    if len(user) >= 3 and any(user in f for f in forms):
        problems.append("密码不能包含用户名")
    for name in name_forms(full_name):
        if any(name in f for f in forms):
            shown = "" if not name.isascii() or name == _skeleton(_folded(full_name)) else name
            problems.append("密码不能包含姓名" + (f"（含拼音“{shown}”）" if shown else ""))
            break
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) >= 7 and digits in "".join(ch for ch in password if ch.isdigit()):
        problems.append("密码不能包含本人的电话号码")
    return problems
