"""Measure how many single-row writes per second `Store.write` sustains (not a test).

Usage: .venv/bin/python bench/store_writes.py [seconds-per-case]

Each awaiter loops `Repository.put` of a fresh key; the numbers are for N awaiters sharing
one store, so they show what group commit buys under concurrency.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from lambdalite.store import Durability, Repository, Scope, Store

SCOPE = Scope("000000000000", "us-east-1")


async def _run(repo: Repository, awaiters: int, seconds: float) -> float:
    deadline = time.perf_counter() + seconds
    done = 0

    async def worker(index: int) -> None:
        nonlocal done
        serial = 0
        while time.perf_counter() < deadline:
            await repo.put(SCOPE, f"w{index}-{serial}", {"n": serial, "payload": "x" * 64})
            serial += 1
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(awaiters)))
    return done / (time.perf_counter() - started)


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    for durability in Durability:
        for awaiters in (1, 64):
            with tempfile.TemporaryDirectory() as tmp:
                store = Store.open(f"sqlite:///{Path(tmp) / 'state.db'}", durability)
                try:
                    rate = asyncio.run(_run(Repository(store, "bench"), awaiters, seconds))
                finally:
                    store.close()
            label = f"sqlite durability={durability:<6} awaiters={awaiters:>2}"
            print(f"{label}: {rate:>8.0f} writes/s")


if __name__ == "__main__":
    main()
