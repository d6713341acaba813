"""The sentence above a draw's pools names who leads the group, under every rulebook."""

from __future__ import annotations

import pytest

from spotcheck.draws.view_context import pools_intro
from spotcheck.rulebooks.schema import parse
from spotcheck.rulebooks.service import BUILTIN_CODES, builtin_text


@pytest.mark.parametrize("code", BUILTIN_CODES)
def test_the_pools_say_who_leads_the_group_under_every_profile(code: str) -> None:
    profile = parse(builtin_text(code))
    text = pools_intro(profile)
    # It used to begin "（依据 000 第十三条（二））。" where a rulebook names no leader.
    assert not text.startswith("（"), text
    assert f"依据 {profile.group.article}" in text
    if profile.group.leader:
        assert text.startswith(profile.group.leader)
    else:
        assert "组长为第一个岗位抽中的第一人（平台规则（细则未规定）" in text
