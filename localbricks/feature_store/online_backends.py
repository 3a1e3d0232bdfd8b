"""Where online tables are kept: embedded SQLite (the default) or a Redis server.

Both hold, per online table, a *spec* (source table, keys, column types, the Delta version last
synced) and one value per key: the row as JSON, under the key's canonical JSON. A sync writes its
rows, deletions and new spec in one transaction, and only if it brings the table to a newer
version than the one stored, so concurrent syncs can never move an online table backwards.
SQLite runs in WAL mode: lookups from other processes (a serving endpoint) never wait for a sync.
"""
from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path


def _newer(current: dict | None, spec: dict, force: bool) -> bool:
    return force or current is None or current["synced_version"] < spec["synced_version"]


class SqliteBackend:
    """One SQLite file per online store, one connection per thread."""

    kind = "sqlite"

    def __init__(self, path: Path):
        self.path = Path(path)
        self._local = threading.local()
        conn = self._conn()
        conn.execute("CREATE TABLE IF NOT EXISTS online_tables (name TEXT PRIMARY KEY, spec TEXT NOT NULL)")
        conn.execute("CREATE TABLE IF NOT EXISTS online_rows (tbl TEXT NOT NULL, k TEXT NOT NULL, v TEXT NOT NULL, "
                     "PRIMARY KEY (tbl, k)) WITHOUT ROWID")

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    def get(self, table: str, key: str) -> str | None:
        row = self._conn().execute("SELECT v FROM online_rows WHERE tbl = ? AND k = ?", (table, key)).fetchone()
        return None if row is None else row[0]

    def specs(self) -> dict[str, dict]:
        return {name: json.loads(spec) for name, spec in self._conn().execute("SELECT name, spec FROM online_tables")}

    def count(self, table: str) -> int:
        return self._conn().execute("SELECT count(*) FROM online_rows WHERE tbl = ?", (table,)).fetchone()[0]

    def apply(self, table: str, spec: dict, upserts: list[tuple[str, str]], deletes: list[str],
              replace: bool = False, force: bool = False) -> bool:
        """Write a sync's result atomically; return False (changing nothing) if it is not newer."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("SELECT spec FROM online_tables WHERE name = ?", (table,)).fetchone()
            if not _newer(json.loads(row[0]) if row else None, spec, force):
                conn.execute("ROLLBACK")
                return False
            if replace:
                conn.execute("DELETE FROM online_rows WHERE tbl = ?", (table,))
            conn.executemany("INSERT OR REPLACE INTO online_rows (tbl, k, v) VALUES (?, ?, ?)",
                             [(table, k, v) for k, v in upserts])
            conn.executemany("DELETE FROM online_rows WHERE tbl = ? AND k = ?", [(table, k) for k in deletes])
            conn.execute("INSERT OR REPLACE INTO online_tables (name, spec) VALUES (?, ?)", (table, json.dumps(spec)))
            conn.execute("COMMIT")
            return True
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def drop_all(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


class RedisBackend:
    """Online tables in Redis: ``<ns>:row:<table>:<key>`` strings, a key set per table, a spec hash."""

    kind = "redis"

    def __init__(self, url: str, namespace: str):
        import redis

        self._redis = redis
        self.client = redis.Redis.from_url(url)
        self.ns = f"localbricks:online:{namespace}"

    def _row(self, table: str, key: str) -> str:
        return f"{self.ns}:row:{table}:{key}"

    def _keys(self, table: str) -> str:
        return f"{self.ns}:keys:{table}"

    def ping(self) -> None:
        self.client.ping()

    def get(self, table: str, key: str) -> str | None:
        value = self.client.get(self._row(table, key))
        return None if value is None else value.decode("utf-8")

    def specs(self) -> dict[str, dict]:
        return {name.decode(): json.loads(spec) for name, spec in self.client.hgetall(f"{self.ns}:tables").items()}

    def count(self, table: str) -> int:
        return self.client.scard(self._keys(table))

    def apply(self, table: str, spec: dict, upserts: list[tuple[str, str]], deletes: list[str],
              replace: bool = False, force: bool = False) -> bool:
        tables = f"{self.ns}:tables"
        with self.client.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(tables, self._keys(table))
                    current = pipe.hget(tables, table)
                    if not _newer(json.loads(current) if current else None, spec, force):
                        pipe.reset()
                        return False
                    old = [k.decode() for k in pipe.smembers(self._keys(table))] if replace else []
                    pipe.multi()
                    for key in old:
                        pipe.delete(self._row(table, key))
                    if replace:
                        pipe.delete(self._keys(table))
                    if upserts:
                        pipe.mset({self._row(table, k): v for k, v in upserts})
                        pipe.sadd(self._keys(table), *[k for k, _ in upserts])
                    for key in deletes:
                        pipe.delete(self._row(table, key))
                        pipe.srem(self._keys(table), key)
                    pipe.hset(tables, table, json.dumps(spec))
                    pipe.execute()
                    return True
                except self._redis.WatchError:
                    continue

    def drop_all(self) -> None:
        for key in self.client.scan_iter(f"{self.ns}:*"):
            self.client.delete(key)
