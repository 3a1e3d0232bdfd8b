import pytest

from localbricks.dbutils.fs import FileSystemUtils, to_local


@pytest.fixture()
def fs():
    return FileSystemUtils()


def test_dbfs_paths_live_in_the_workspace(workspace_dir):
    assert to_local("dbfs:/tmp/a.csv") == workspace_dir / "dbfs" / "tmp" / "a.csv"
    assert to_local("/tmp/a.csv") == to_local("dbfs:/tmp/a.csv")
    assert str(to_local("file:/etc/hosts")) == "/etc/hosts"


def test_put_ls_cp_head_rm(fs):
    fs.mkdirs("dbfs:/fs_test/in")
    fs.put("dbfs:/fs_test/in/a.txt", "hello")
    listing = fs.ls("dbfs:/fs_test/in")
    assert [(f.name, f.size) for f in listing] == [("a.txt", 5)]
    assert listing[0].path == "dbfs:/fs_test/in/a.txt"
    fs.cp("dbfs:/fs_test/in", "dbfs:/fs_test/out", recurse=True)
    assert fs.head("dbfs:/fs_test/out/a.txt") == "hello"
    assert [f.name for f in fs.ls("dbfs:/fs_test")] == ["in/", "out/"]
    with pytest.raises(IsADirectoryError, match="recurse=True"):
        fs.rm("dbfs:/fs_test/in")
    assert fs.rm("dbfs:/fs_test", recurse=True)
    assert fs.rm("dbfs:/fs_test", recurse=True) is False


def test_errors_are_plain(fs):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        fs.ls("dbfs:/no/such/place")
    with pytest.raises(ValueError, match="relative"):
        fs.ls("relative/path")
    fs.put("dbfs:/fs_test2/x", "1")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        fs.put("dbfs:/fs_test2/x", "2")
