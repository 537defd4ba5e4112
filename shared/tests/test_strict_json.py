"""JSON as RFC 8259 defines it, and nothing a lenient parser would also take (`vms_platform.strict_json`)."""

from __future__ import annotations

import pytest

from vms_platform import strict_json


def test_plain_json_is_read() -> None:
    assert strict_json.loads('{"name": "홍길동", "n": [1, 2.5, true, null]}'.encode()) == {
        "name": "홍길동",
        "n": [1, 2.5, True, None],
    }


@pytest.mark.parametrize(
    ("document", "code"),
    [
        (b"\xef\xbb\xbf{}", "BODY_BYTE_ORDER_MARK"),
        ('{"a": "b"}'.encode("utf-16"), "BODY_NOT_UTF8"),
        (b'{"a": "\xc0\xaf"}', "BODY_NOT_UTF8"),
        (b"{not json", "BODY_NOT_JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "BODY_TOO_DEEP"),
        (b'{"a": NaN}', "BODY_NUMBER_NOT_JSON"),
        (b'{"a": -Infinity}', "BODY_NUMBER_NOT_JSON"),
        (b'{"a": 1e400}', "BODY_NUMBER_OUT_OF_RANGE"),
        (b'{"a": 1' + b"0" * 5000 + b"}", "BODY_NUMBER_TOO_LONG"),
    ],
    ids=["BOM", "UTF-16", "overlong UTF-8", "syntax", "deep", "NaN", "Infinity", "1e400", "5,000 digits"],
)
def test_what_is_not_json_is_refused_saying_why(document: bytes, code: str) -> None:
    with pytest.raises(strict_json.UnreadableJson) as refused:
        strict_json.loads(document)
    assert refused.value.code == code
    assert str(refused.value)  # the English text of the code, filled with its parameters


def test_a_member_named_twice_is_refused_naming_it() -> None:
    with pytest.raises(strict_json.DuplicateMember) as refused:
        strict_json.loads(b'{"consent": {"granted": false, "granted": true}}')
    assert refused.value.name == "granted"
