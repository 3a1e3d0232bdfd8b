"""Governance tags on registered models and on versions: set, read back, delete."""
import mlflow


def test_registered_model_tags_set_and_delete(uc, name):
    uc.create_registered_model(name)
    uc.set_registered_model_tag(name, "domain", "retention")
    uc.set_registered_model_tag(name, "owner", "ml-team")
    assert uc.get_registered_model(name).tags == {"domain": "retention", "owner": "ml-team"}
    uc.delete_registered_model_tag(name, "owner")
    assert uc.get_registered_model(name).tags == {"domain": "retention"}


def test_model_version_tags_set_and_delete(uc, models, name):
    mlflow.register_model(models.a.model_uri, name)
    uc.set_model_version_tag(name, "1", "validation_status", "approved")
    uc.set_model_version_tag(name, 1, "reviewer", "ana")
    assert uc.get_model_version(name, 1).tags == {"validation_status": "approved", "reviewer": "ana"}
    uc.delete_model_version_tag(name, 1, "reviewer")
    assert uc.get_model_version(name, 1).tags == {"validation_status": "approved"}


def test_tags_given_at_registration_are_kept(uc, models, name):
    mlflow.register_model(models.a.model_uri, name, tags={"source": "notebook"})
    assert uc.get_model_version(name, 1).tags == {"source": "notebook"}
