"""Online stores and their point lookups: store management, key handling, and both backends."""
import datetime as dt
import decimal
import os
import shutil
import socket
import subprocess
import time
import uuid

import numpy as np
import pytest

from localbricks.feature_store import FeatureEngineeringClient, FeatureStoreError
from localbricks.feature_store.online_backends import RedisBackend, SqliteBackend
from localbricks.feature_store.online_store import OnlineTable, encode_row


def _store_name():
    return f"store-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def fe():
    return FeatureEngineeringClient()  # online stores need no Spark session


@pytest.fixture(scope="module")
def redis_url():
    """A throw-away redis-server on a free port; skipped where the binary is not installed."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI"):  # CI installs it (.ci/run): a missing binary there is a failure, not a skip
            pytest.fail("redis-server is not installed, and .ci/run should have installed it")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    client = redis.Redis.from_url(url)
    for _ in range(200):  # wait for it to accept connections (bounded, event-driven)
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if server.poll() is not None:
                pytest.fail("redis-server exited at start")
            time.sleep(0.02)
    yield url
    server.terminate()
    server.wait(timeout=30)


def test_create_get_list_update_delete(fe, workspace_dir):
    name = _store_name()
    store = fe.create_online_store(name=name, capacity="CU_2")
    assert (store.name, store.capacity, store.state, store.url) == (name, "CU_2", "AVAILABLE", None)
    assert fe.get_online_store(name=name) == store
    assert name in [s.name for s in fe.list_online_stores()]
    assert fe.update_online_store(name=name, capacity="CU_4", read_replica_count=1).capacity == "CU_4"
    assert fe.get_online_store(name=name).read_replica_count == 1
    assert (workspace_dir / "online_stores" / name / "store.json").is_file()
    fe.delete_online_store(name=name)
    assert not (workspace_dir / "online_stores" / name).exists()
    with pytest.raises(FeatureStoreError, match=f"No online store named '{name}'"):
        fe.get_online_store(name=name)


@pytest.mark.parametrize("kwargs, message", [
    (dict(name="Has Spaces"), "lowercase letters"), (dict(name="x" * 64), "lowercase letters"), (dict(name=None), "lowercase"),
    (dict(name="ok", capacity="CU_3"), "capacity must be one of"), (dict(name="ok", read_replica_count=-1), "read_replica_count"),
    (dict(name="ok", url="http://x"), "Redis URL"), (dict(name="ok", url="redis://127.0.0.1:1/0"), "Cannot reach Redis"),
])
def test_bad_store_settings_create_nothing(fe, workspace_dir, kwargs, message):
    before = sorted(p.name for p in (workspace_dir / "online_stores").iterdir())
    with pytest.raises(FeatureStoreError, match=message):
        fe.create_online_store(**kwargs)
    assert sorted(p.name for p in (workspace_dir / "online_stores").iterdir()) == before


def test_duplicate_store_and_bad_updates(fe):
    name = _store_name()
    fe.create_online_store(name=name)
    with pytest.raises(FeatureStoreError, match="already exists"):
        fe.create_online_store(name=name)
    with pytest.raises(FeatureStoreError, match="capacity"):
        fe.update_online_store(name=name, capacity="huge")
    assert fe.get_online_store(name=name).capacity == "CU_1"


SPEC = {"name": "main.s.t_online", "source": "main.s.t", "keys": ["cid", "n"], "timestamp_key": None,
        "columns": {"cid": "string", "n": "bigint", "at": "timestamp", "day": "date", "amount": "decimal(10,2)",
                    "score": "double"}, "publish_mode": "TRIGGERED", "synced_version": 3}
ROW = {"cid": "c1", "n": 7, "at": dt.datetime(2025, 3, 1, 12, 30), "day": dt.date(2025, 3, 1),
       "amount": decimal.Decimal("12.50"), "score": 0.25}


def _backends(tmp_path, redis_url=None):
    yield SqliteBackend(tmp_path / "online.sqlite")
    if redis_url:
        yield RedisBackend(redis_url, f"test-{uuid.uuid4().hex[:6]}")


def _filled(backend):
    table = OnlineTable(backend, SPEC, "s")
    assert backend.apply(SPEC["name"], SPEC, [(table.encode_key(ROW), encode_row(ROW))], [])
    return table


@pytest.mark.parametrize("backend_kind", ["sqlite", "redis"])
def test_lookup_round_trips_types_and_normalises_keys(tmp_path, request, backend_kind):
    url = request.getfixturevalue("redis_url") if backend_kind == "redis" else None
    backend = list(_backends(tmp_path, url))[-1]
    table = _filled(backend)
    assert table.lookup({"cid": "c1", "n": 7, "extra": "ignored"}) == ROW
    assert table.lookup(("c1", np.int64(7))) == table.lookup(["c1", 7.0]) == ROW
    assert table.lookup({"cid": "c1", "n": 8}) is None
    assert table.count() == 1


@pytest.mark.parametrize("keys, message", [
    ({"cid": "c1"}, "needs key\\(s\\) 'n'"), (("c1",), "takes 2 key value"), ("c1", "takes 2 key value"),
    (("c1", 7.5), "'n' is bigint; 7.5 is not a valid value"), ((1, 7), "'cid' is string"), (("c1", None), "never null"),
])
def test_bad_lookup_keys_are_explained(tmp_path, keys, message):
    table = _filled(SqliteBackend(tmp_path / "online.sqlite"))
    with pytest.raises(FeatureStoreError, match=message):
        table.lookup(keys)


@pytest.mark.parametrize("backend_kind", ["sqlite", "redis"])
def test_a_sync_never_moves_a_table_back_to_an_older_version(tmp_path, request, backend_kind):
    url = request.getfixturevalue("redis_url") if backend_kind == "redis" else None
    backend = list(_backends(tmp_path, url))[-1]
    table = _filled(backend)
    key = table.encode_key(ROW)
    older = {**SPEC, "synced_version": 2}
    assert not backend.apply(SPEC["name"], older, [(key, encode_row({**ROW, "score": 9.0}))], [])
    assert table.lookup(ROW)["score"] == 0.25
    newer = {**SPEC, "synced_version": 4}
    assert backend.apply(SPEC["name"], newer, [], [key])
    assert table.lookup(ROW) is None and backend.specs()[SPEC["name"]]["synced_version"] == 4
    assert backend.apply(SPEC["name"], newer, [(key, encode_row(ROW))], [], replace=True, force=True)
    assert table.count() == 1


def test_redis_store_through_the_client(fe, redis_url):
    name = _store_name()
    store = fe.create_online_store(name=name, url=redis_url)
    assert fe.get_online_store(name=name).url == redis_url and store.list_tables() == []
    with pytest.raises(FeatureStoreError, match="has no online table"):
        store.lookup("main.s.none", {"k": 1})
    fe.delete_online_store(name=name)
