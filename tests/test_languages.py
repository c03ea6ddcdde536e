"""Every language file says the same things: the same keys in every section, the same
placeholders in every text, so a message never loses a detail in translation."""

import string

import attrs
import pytest

from custody_core.domain.messages import LANGUAGES, Language, language

#: Terms are Russian words for English values; English needs none.
SECTIONS = [field.name for field in attrs.fields(Language) if field.name != "terms"]


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("locale", sorted(set(LANGUAGES) - {"en"}))
@pytest.mark.parametrize("section", SECTIONS)
def test_a_language_has_every_key_and_placeholder_of_english(locale: str, section: str) -> None:
    english, other = getattr(LANGUAGES["en"], section), getattr(LANGUAGES[locale], section)
    assert set(other) == set(english)
    differing = {
        key: (placeholders(english[key]), placeholders(other[key]))
        for key in english
        if placeholders(english[key]) != placeholders(other[key])
    }
    assert differing == {}


def test_an_unknown_locale_speaks_english() -> None:
    assert language("de") is LANGUAGES["en"]
    assert language("ru").messages["storage.busy"] != LANGUAGES["en"].messages["storage.busy"]
