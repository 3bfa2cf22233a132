"""SECRET_KEY: placeholders copied from documentation are refused, random keys never are."""

from __future__ import annotations

import random
import string
from pathlib import Path

import pytest
from pydantic import ValidationError

from core.settings import ConfigurationError, Settings, admin_base_url, admin_secret

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


def test_the_admin_base_url_defaults_to_where_the_admin_listens(tmp_path: Path) -> None:
    assert admin_base_url(Settings(_env_file=None)) == "http://127.0.0.1:8000"
    assert admin_base_url(Settings(_env_file=None, admin_host="0.0.0.0", admin_port=9000)) \
        == "http://localhost:9000"
    assert admin_base_url(Settings(_env_file=None, admin_base_url="https://a.example.org/")) \
        == "https://a.example.org"


@pytest.mark.parametrize("url", ["nearmiss.example.org", "ftp://a.example.org",
                                 "https://a.example.org/admin", "https://a.example.org/?x=1"])
def test_an_admin_base_url_that_is_not_a_scheme_and_host_is_refused(url: str) -> None:
    with pytest.raises(ValidationError, match="ADMIN_BASE_URL"):
        Settings(_env_file=None, admin_base_url=url)


def test_production_needs_the_admin_base_url(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="ADMIN_BASE_URL"):
        admin_base_url(Settings(_env_file=None, environment="production"))
