"""The plain request values: query and form parsing agree with the standard library."""

from __future__ import annotations

from urllib.parse import parse_qsl

from hypothesis import given
from hypothesis import strategies as st

from lambdalite.aws.http import parse_pairs


@given(st.text(alphabet=st.sampled_from("ab=&%+2F0 é;"), max_size=30))
def test_parse_pairs_matches_parse_qsl(text: str) -> None:
    assert parse_pairs(text) == parse_qsl(text, keep_blank_values=True)
