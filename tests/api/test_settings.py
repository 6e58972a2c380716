"""The API's settings: BOARDREAD_* variables, explicit values first, bad values refused."""

from pathlib import Path

import pytest
from boardread_api import Settings
from pydantic import ValidationError


def test_environment_variables_fill_the_fields_with_their_types(clean_env):
    clean_env.setenv("BOARDREAD_MAX_BODY_BYTES", "1234")
    clean_env.setenv("BOARDREAD_READ_TIMEOUT_S", "2.5")
    clean_env.setenv("BOARDREAD_MODEL_DIR", "/opt/models")
    clean_env.setenv("BOARDREAD_LOG_LEVEL", "debug")
    clean_env.setenv("BOARDREAD_ROOT_PATH", "prod/")
    settings = Settings()
    assert settings.max_body_bytes == 1234 and settings.read_timeout_s == 2.5
    assert settings.model_dir == Path("/opt/models")
    assert settings.log_level == "DEBUG" and settings.root_path == "/prod"


def test_explicit_values_beat_the_environment(clean_env):
    clean_env.setenv("BOARDREAD_UPLOADS_BUCKET", "from-env")
    assert Settings().uploads_bucket == "from-env"
    assert Settings(uploads_bucket="given").uploads_bucket == "given"


def test_a_blank_bucket_variable_means_unset(clean_env):
    clean_env.setenv("BOARDREAD_UPLOADS_BUCKET", "  ")
    clean_env.setenv("BOARDREAD_DATA_BUCKET", "")
    settings = Settings()
    assert settings.uploads_bucket is None and settings.data_bucket is None


@pytest.mark.parametrize(("name", "value"), [("MAX_BODY_BYTES", "0"), ("READ_TIMEOUT_S", "60"),
                                             ("MIN_SIDE", "many")])
def test_a_bad_variable_is_refused_by_name(clean_env, name, value):
    clean_env.setenv(f"BOARDREAD_{name}", value)
    with pytest.raises(ValidationError, match=name.lower()):
        Settings()


def test_unknown_fields_are_refused_and_settings_are_frozen(clean_env):
    with pytest.raises(ValidationError):
        Settings(max_body_byte=5)  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        Settings().max_body_bytes = 5  # type: ignore[misc]
