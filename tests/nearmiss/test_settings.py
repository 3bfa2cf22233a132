"""SECRET_KEY: placeholders copied from documentation are refused, random keys never are."""

from __future__ import annotations

import random
import string
from pathlib import Path

import pytest

from nearmiss.settings import ConfigurationError, Settings, admin_secret

URLSAFE = string.ascii_letters + string.digits + "-_"


@pytest.mark.parametrize("key", [
    "change-me-change-me-change-me-change-me",
    "your-secret-key-goes-here-please-0123456789",
    "replace_this_with_a_long_random_value_0123",
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "short",
])
def test_a_placeholder_or_short_key_is_refused(key: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        admin_secret(Settings(_env_file=None, secret_key=key, data_dir=tmp_path))


def test_keys_made_as_the_message_says_are_always_accepted(tmp_path: Path) -> None:
    # token_urlsafe(48) gives 64 characters of this alphabet; 3,000 of them contain "xxx",
    # "your", "token" or "change" often enough to catch a check that looks for bare words.
    chance = random.Random(20261122)
    for _ in range(3000):
        key = "".join(chance.choice(URLSAFE) for _ in range(64))
        assert admin_secret(Settings(_env_file=None, secret_key=key, data_dir=tmp_path)) == key
