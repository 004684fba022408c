"""Plain HTTP request/response values passed through the AWS gateway chain.

They are independent of ASGI so that the protocol code can be driven directly by tests (and by
botocore's own serializers in the round-trip tests).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote_plus


@dataclass(slots=True)
class HttpRequest:
    """One HTTP request as received: raw (still percent-encoded) path and query string.

    ``headers`` has lower-case names; repeated headers are joined with ``,`` as HTTP allows.
    """

    method: str
    path: str
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    scheme: str = "http"

    _query_pairs: list[tuple[str, str]] | None = field(default=None, repr=False)
    _form: dict[str, str] | None = field(default=None, repr=False)

    @property
    def query_pairs(self) -> list[tuple[str, str]]:
        """Decoded ``(name, value)`` pairs of the query string, in order."""
        if self._query_pairs is None:
            self._query_pairs = parse_pairs(self.query)
        return self._query_pairs

    def query_value(self, name: str) -> str | None:
        for key, value in self.query_pairs:
            if key == name:
                return value
        return None

    @property
    def form(self) -> dict[str, str]:
        """Parameters of a query-protocol request: query string plus form body."""
        if self._form is None:
            form = dict(self.query_pairs)
            if self.body:
                form.update(parse_pairs(self.body.decode("utf-8", "replace")))
            self._form = form
        return self._form

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


@dataclass(slots=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None


def parse_pairs(text: str) -> list[tuple[str, str]]:
    """``a=1&b=x%20y`` -> ``[("a", "1"), ("b", "x y")]``, as ``parse_qsl(keep_blank_values=True)``.

    Written out because ``parse_qsl`` costs several microseconds even for a short string, and
    every query-protocol request goes through here.
    """
    pairs = []
    for part in text.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        if "%" in part or "+" in part:
            name, value = unquote_plus(name), unquote_plus(value)
        pairs.append((name, value))
    return pairs


def headers_from_asgi(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """ASGI header pairs (already lower-case names) to a dict, joining repeats with ``,``."""
    headers: dict[str, str] = {}
    for name_bytes, value_bytes in raw:
        name = name_bytes.decode("latin-1")
        value = value_bytes.decode("latin-1")
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    return headers
