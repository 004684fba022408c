"""Child process of the crash test: writes forever, printing each acknowledged batch of keys.

Usage: python crash_writer.py STORE_URL
"""

from __future__ import annotations

import asyncio
import sys

from lambdalite.store import Repository, Scope, Store

SCOPE = Scope("123456789012", "us-east-1")
KIND = "crash.test"
CONCURRENCY = 16


async def write_forever(store: Store) -> None:
    repo = Repository(store, KIND)
    serial = 0
    while True:
        keys = [f"k{serial + i:08d}" for i in range(CONCURRENCY)]
        await asyncio.gather(*(repo.put(SCOPE, key, {"key": key}) for key in keys))
        # Printed only after every write of the round was acknowledged.
        print(" ".join(keys), flush=True)
        serial += CONCURRENCY


def main() -> None:
    store = Store.open(sys.argv[1])
    asyncio.run(write_forever(store))


if __name__ == "__main__":
    main()
