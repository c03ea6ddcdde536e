"""Every language file says the same things: the same keys in every section, the same
placeholders in every text, so a message never loses a detail in translation."""

import string
from datetime import UTC, date, datetime

import attrs
import pytest

from custody_core.domain.errors import LoginLocked
from custody_core.domain.messages import (
    LANGUAGES,
    Language,
    day,
    language,
    moment,
    plural_categories,
)

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


def test_an_instant_is_told_on_the_given_clock_in_each_languages_format() -> None:
    instant = datetime(2026, 11, 30, 15, 15, tzinfo=UTC)
    assert moment(instant, "ru", "Europe/Moscow") == "30.11.2026 18:15 (МСК)"
    assert moment(instant, "en", "Europe/Moscow") == "2026-11-30 18:15 MSK"
    # a zone the language file does not name is told by its offset; no zone is UTC
    assert moment(instant, "ru", "Asia/Yekaterinburg") == "30.11.2026 20:15 (UTC+05:00)"
    assert moment(instant, "en", "America/St_Johns") == "2026-11-30 11:45 UTC-03:30"
    assert moment(instant, "en") == "2026-11-30 15:15 UTC"
    assert moment(instant, "en", "Not/A_Zone") == "2026-11-30 15:15 UTC"
    assert day(date(2026, 11, 5), "ru") == "05.11.2026"
    assert day(date(2026, 11, 5), "en") == "2026-11-05"


def test_a_message_tells_its_instants_on_the_zone_it_is_given_or_its_errors_own() -> None:
    until = datetime(2026, 11, 30, 15, 15, tzinfo=UTC)
    locked = LoginLocked(until=until)
    assert locked.message("ru").endswith("повторите после 30.11.2026 15:15 (UTC)")
    assert locked.message("ru", zone="Europe/Moscow").endswith("после 30.11.2026 18:15 (МСК)")
    raised_for_account = LoginLocked(until=until, time_zone="Europe/Moscow")
    assert raised_for_account.message("en").endswith("after 2026-11-30 18:15 MSK")
    assert "+00:00" not in raised_for_account.message("en")


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
