"""Tags and lineage: kept beside the table, safe under concurrent changes, untouched by RESTORE."""
import threading

import pytest

from localbricks.feature_store import FeatureStoreError

pytestmark = pytest.mark.spark


def test_set_and_delete_tags(fe, customers):
    fe.set_feature_table_tag(name=customers, key="team", value="churn")
    fe.set_feature_table_tag(name=customers, key="team", value="retention")
    fe.set_feature_table_tag(name=customers, key="pii", value="")
    assert fe.get_table(name=customers).tags == {"team": "retention", "pii": ""}
    fe.delete_feature_table_tag(name=customers, key="pii")
    assert fe.get_table(name=customers).tags == {"team": "retention"}


def test_tags_survive_restore(spark, fe, customers):
    """RESTORE rolls table properties back (Delta does); tags are not versions of the data, so they stay."""
    fe.set_feature_table_tag(name=customers, key="owner", value="ana")
    spark.sql(f"RESTORE TABLE {customers} TO VERSION AS OF 0")  # version 0: the empty table, before the tag
    table = fe.get_table(name=customers)
    assert spark.table(customers).count() == 0
    assert (table.tags, table.primary_keys, table.description) == ({"owner": "ana"}, ["cid"], "customer features")


def test_concurrent_tag_changes_are_all_kept(fe, customers):
    threads = [threading.Thread(target=fe.set_feature_table_tag, kwargs=dict(name=customers, key=f"k{i}", value=str(i)))
               for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert fe.get_table(name=customers).tags == {f"k{i}": str(i) for i in range(6)}


@pytest.mark.parametrize("key, value, message", [("", "x", "non-empty string"), (None, "x", "non-empty string"),
                                                 ("n", 3, "Tag values are strings"), ("n", None, "Tag values are strings")])
def test_bad_tags_are_refused(fe, frozen_customers, key, value, message):
    with pytest.raises(FeatureStoreError, match=message):
        fe.set_feature_table_tag(name=frozen_customers, key=key, value=value)
    assert fe.get_table(name=frozen_customers).tags == {}


def test_deleting_a_missing_tag_names_the_existing_ones(fe, frozen_customers):
    with pytest.raises(FeatureStoreError, match="has no tag 'nope'. Its tags: none"):
        fe.delete_feature_table_tag(name=frozen_customers, key="nope")


def test_tags_on_a_missing_table_are_refused(fe, new_name):
    with pytest.raises(FeatureStoreError, match="does not exist"):
        fe.set_feature_table_tag(name=new_name(), key="a", value="b")
