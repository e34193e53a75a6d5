import pytest


@pytest.fixture
def english(settings):
    """Answer in English: these tests pin exact messages, translations may change."""
    settings.LANGUAGE_CODE = "en"
