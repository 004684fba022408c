"""Random identifiers for requests, messages and events."""

from __future__ import annotations

import random

# The variant nibble of a random UUID is 10xx in binary: 8, 9, a or b.
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def new_uuid() -> str:
    """A random (version 4) UUID in its usual text form, as ``str(uuid.uuid4())`` gives it.

    From ``random``, not ``os.urandom``: these name things, they guard nothing (credentials
    and tokens keep using ``secrets``). ``os.urandom`` is a system call that releases the GIL:
    under load the store's writer thread takes it, and the event loop waits to get it back,
    once per id. It also costs three times as much.
    """
    h = f"{random.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"
