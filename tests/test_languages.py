"""Every language file says the same things: the same keys in every section, the same
placeholders in every text, so a message never loses a detail in translation."""

import string

import attrs
import pytest

from custody_core.domain.messages import LANGUAGES, Language, language, plural_categories

SECTIONS = [field.name for field in attrs.fields(Language)]


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


def counted_words(text: str) -> list[dict[str, str]]:
    """The forms of each counted word (`{n:one=заказ|few=заказа|many=заказов}`) in `text`."""
    return [
        dict(form.split("=", 1) for form in spec.split("|"))
        for _, _, spec, _ in string.Formatter().parse(text)
        if spec and "=" in spec
    ]


@pytest.mark.parametrize("locale", sorted(LANGUAGES))
def test_a_counted_word_has_a_form_for_every_plural_category(locale: str) -> None:
    texts = LANGUAGES[locale]
    words = [
        forms
        for section in SECTIONS
        for text in getattr(texts, section).values()
        for forms in counted_words(text)
    ]
    assert words
    categories = set(plural_categories(locale))
    assert [forms for forms in words if set(forms) != categories] == []
