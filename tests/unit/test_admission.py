"""Taking turns at the database (app/db.py): first come, first served, bounded, and an outage told from a bug."""
from __future__ import annotations

import asyncio
import sqlite3

import pytest
from sqlalchemy import exc as sa_exc

from app.db import Database, _Admission, database_unavailable, make_engine
from app.errors import Unavailable


def test_turns_go_in_order_of_arrival_and_a_wait_is_bounded() -> None:
    async def scenario() -> list[str]:
        gate = _Admission(2)
        order: list[str] = []
        await gate.acquire(1)
        await gate.acquire(1)

        async def wait(name: str, timeout: float) -> None:
            try:
                await gate.acquire(timeout)
            except TimeoutError:
                order.append(f"{name} gave up")
                return
            order.append(f"{name} in")

        first = asyncio.create_task(wait("a", 5))
        await asyncio.sleep(0.01)
        impatient = asyncio.create_task(wait("b", 0.05))
        await asyncio.sleep(0.01)
        second = asyncio.create_task(wait("c", 5))
        await impatient
        assert gate.waiting == 2  # b left the queue when it gave up
        gate.release()
        await first
        gate.release()
        await second
        assert (gate.active, gate.waiting) == (2, 0)  # each turn passed straight on
        gate.release()
        gate.release()
        assert gate.active == 0
        return order

    assert asyncio.run(scenario()) == ["b gave up", "a in", "c in"]


def test_a_cancelled_waiter_gives_up_its_place() -> None:
    async def scenario() -> None:
        gate = _Admission(1)
        await gate.acquire(1)
        waiter = asyncio.create_task(gate.acquire(5))
        await asyncio.sleep(0.01)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        gate.release()
        assert (gate.active, gate.waiting) == (0, 0)

    asyncio.run(scenario())


def test_no_turn_within_the_bound_is_unavailable_with_retry_after(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("app.db.ADMIT_SECONDS", 0.05)
    engine = make_engine(f"sqlite:///{tmp_path / 'gate.db'}", pool_size=1, max_overflow=0)
    db = Database(engine)
    assert db.admission.limit == 1

    async def scenario() -> None:
        async with db.admit():
            with pytest.raises(Unavailable) as refused:
                async with db.admit():
                    pass
        assert refused.value.status_code == 503
        assert refused.value.headers == {"Retry-After": "2"}
        async with db.admit():  # free again
            pass

    asyncio.run(scenario())
    engine.dispose()


@pytest.mark.parametrize(("error", "retry_after", "code"), [
    (sa_exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached"), "2", "busy"),
    (sa_exc.OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked")), "2", "busy"),
    (sa_exc.OperationalError("SELECT 1", {}, sqlite3.OperationalError("unable to open database file")), "5",
     "unavailable"),
    (sa_exc.OperationalError("SELECT 1", {}, Exception("connection refused"), connection_invalidated=True), "5",
     "unavailable"),
], ids=["pool-exhausted", "sqlite-locked", "sqlite-unreadable", "disconnected"])
def test_outages_are_503(error: Exception, retry_after: str, code: str) -> None:
    unavailable = database_unavailable(error)
    assert unavailable is not None and unavailable.code == code and unavailable.status_code == 503
    assert unavailable.headers == {"Retry-After": retry_after}


def test_a_bug_is_not_an_outage() -> None:
    assert database_unavailable(sa_exc.IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE"))) is None
    assert database_unavailable(ValueError("no")) is None
