"""The linkage service's settings refuse what would keep it from ever sending."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from vms_linkage.settings import LinkageSettings


def test_a_claim_outlasts_the_look_up_and_the_request_made_under_it() -> None:
    """A pass asks the registry who the volunteers are (up to `rpc_timeout`), then 1365 (up to its timeout), all
    under one claim: a shorter claim lapses before every send, and the records are claimed again and again."""
    base = {"database_url": "sqlite:///x.db", "rpc_timeout": 5, "portal1365_timeout": 10}
    with pytest.raises(ValidationError, match="rpc_timeout"):
        LinkageSettings(**base, claim_seconds=16)
    assert LinkageSettings(**base, claim_seconds=21).claim_seconds == 21
