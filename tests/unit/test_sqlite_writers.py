"""SQLite writers of one process queue on a lock instead of SQLite's sleeping busy handler."""
from __future__ import annotations

import threading
import time

from sqlalchemy import text

from app.db import make_engine


def test_writers_take_turns_and_release_on_commit_and_rollback(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'writers.db'}")
    with engine.begin() as c:
        c.execute(text("CREATE TABLE t (n INTEGER)"))
    order: list[str] = []

    def writer(name: str, hold: float, commit: bool) -> None:
        with engine.connect() as c:
            c.execute(text("SELECT count(*) FROM t"))  # reading takes no lock
            assert not c.connection.dbapi_connection.holds_write_lock
            c.execute(text("INSERT INTO t VALUES (1)"))
            assert c.connection.dbapi_connection.holds_write_lock
            order.append(f"{name} in")
            time.sleep(hold)
            order.append(f"{name} out")
            if commit:
                c.commit()
            else:
                c.rollback()

    first = threading.Thread(target=writer, args=("a", 0.3, False))
    first.start()
    time.sleep(0.05)
    started = time.perf_counter()
    writer("b", 0, True)
    first.join()
    # b waited for a's whole transaction (rolled back), then got in at once, not after a busy-handler nap.
    assert order == ["a in", "a out", "b in", "b out"]
    assert time.perf_counter() - started < 0.45
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM t")).scalar() == 1
        c.execute(text("INSERT INTO t VALUES (2)"))  # the lock is free again after b's commit
        c.commit()
    engine.dispose()
