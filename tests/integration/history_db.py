"""Reading quiescent's history database from a test, as another process would: a connection of
its own per query, so nothing is held open while quiescent writes."""
import os
import sqlite3
import time


def rows(db, sql, *args):
    """Every row of sql (with args bound)."""
    con = sqlite3.connect(db, timeout=5)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def rows_if_any(db, sql, *args):
    """rows, or [] while the database is not created yet or is busy."""
    if not os.path.exists(db):
        return []
    try:
        return rows(db, sql, *args)
    except sqlite3.OperationalError:
        return []


def wait_for(db, sql, timeout=60, poll=0.05):
    """Polls every poll s until sql's first value is true (a journal row appeared); False after
    timeout s. A database not created yet, or busy a moment, is polled again."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r = rows_if_any(db, sql)
        if r and r[0][0]:
            return True
        time.sleep(poll)
    return False
