"""Properties of logins: one canonical form for what looks alike, refusal for what NFKC
cannot fold (invisible characters, letters of two scripts), and bounds checked first."""

from __future__ import annotations

import unicodedata

from hypothesis import assume, given
from hypothesis import strategies as st

from custody_core.domain.checks import Checks
from custody_core.domain.logins import LOGIN_LENGTH, login_key, login_problems, scripts_of
from custody_core.domain.text import hidden_character
from custody_core.services import contacts

#: Logins people type: Latin letters, digits and the usual punctuation.
latin_logins = st.text(
    st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@"),
    min_size=1,
    max_size=40,
).filter(lambda login: any(char.isalpha() for char in login))
#: Characters that steer a terminal: C0 and C1 controls, DEL, line and paragraph
#: separators, bidirectional overrides and isolates.
controls = st.sampled_from(list("\n\r\t\x00\x1b\x7f\x85\u202e\u2066\u2028\u2029"))
#: Characters that merely hide: zero-width spaces and joiners, the byte-order mark,
#: private use.
invisible = st.sampled_from(list("\u200b\u200c\u200d\u2060\ufeff\ue000"))
#: Cyrillic letters that look like Latin ones.
HOMOGLYPHS = {"a": "а", "c": "с", "e": "е", "o": "о", "p": "р", "x": "х", "y": "у"}


def checked(value: object) -> tuple[str, list[str]]:
    checks = Checks()
    login = contacts.login(checks, value)
    return login, [problem.code for problem in checks.problems]


@given(st.text(max_size=300))
def test_any_text_is_either_a_login_in_canonical_form_or_refused(text: str) -> None:
    login, codes = checked(text)
    if codes:
        assert login == ""
        return
    assert 0 < len(login) <= LOGIN_LENGTH
    assert hidden_character(login) is None
    assert len(scripts_of(login)) <= 1
    assert checked(login) == (login, []), "a stored login can be typed again as it is"
    assert contacts.canonical_login(login) == login


@given(latin_logins)
def test_fullwidth_and_case_variants_are_the_same_login(login: str) -> None:
    fullwidth = "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in login)
    assert fullwidth != login
    assert checked(fullwidth) == checked(login)
    assert checked(login.upper()) == checked(login)
    assert checked(f"  {login}\u3000") == checked(login)  # ideographic space is trimmed too


@given(
    latin_logins,
    st.one_of(
        st.tuples(controls, st.just("text.control_characters")),
        st.tuples(invisible, st.just("text.hidden_characters")),
    ),
    st.integers(min_value=0),
)
def test_a_control_or_hidden_character_anywhere_in_a_login_is_refused(
    login: str, char_and_code: tuple[str, str], where: int
) -> None:
    char, code = char_and_code
    position = 1 + where % len(login) if len(login) > 1 else 1
    spoofed = login[:position] + char + login[position:]
    assume(spoofed.strip() == spoofed)  # trimmed ends are not the login's
    assert checked(spoofed) == ("", [code])


@given(latin_logins, st.data())
def test_a_cyrillic_look_alike_among_latin_letters_is_refused(
    login: str, data: st.DataObject
) -> None:
    places = [i for i, char in enumerate(login.lower()) if char in HOMOGLYPHS]
    latin_elsewhere = [i for i, char in enumerate(login) if char.isalpha()]
    assume(places and len(latin_elsewhere) > 1)
    i = data.draw(st.sampled_from(places))
    spoofed = login[:i] + HOMOGLYPHS[login[i].lower()] + login[i + 1 :]
    assert checked(spoofed) == ("", ["login.mixed_scripts"])


@given(st.sampled_from(["иванов", "ΑΘΗΝΑ", "山田たろう", "o\u02bcneil", "maria.ivanova-2"]))
def test_one_script_with_digits_and_punctuation_is_a_login(login: str) -> None:
    assert checked(login)[1] == []


def test_the_issue_examples() -> None:
    assert checked("ｂｏｓｓ") == ("boss", [])
    assert checked("boss\u200b") == ("", ["text.hidden_characters"])
    assert checked("\u0430dmin") == ("", ["login.mixed_scripts"])
    assert checked("＋７ ９１２ ３４５-６７-８９") == ("+79123456789", [])  # a phone in fullwidth


@given(st.integers(min_value=LOGIN_LENGTH + 1, max_value=70_000))
def test_a_long_login_is_refused_by_its_length(length: int) -> None:
    assert checked("x" * length) == ("", ["text.too_long"])


def test_a_login_that_nfkc_makes_too_long_is_refused() -> None:
    ligature = "\ufdfa"  # one character, eighteen after NFKC
    assert len(unicodedata.normalize("NFKC", ligature)) == 18
    assert [p.code for p in login_problems(ligature * 10)] == ["text.too_long"]
    assert len(login_key(ligature * 5)) <= LOGIN_LENGTH


def test_an_overlong_login_is_named_with_its_limit_in_either_language() -> None:
    [problem] = login_problems("x" * (LOGIN_LENGTH + 1))
    assert problem.message("en") == f"login is too long (at most {LOGIN_LENGTH} characters)"
    assert problem.message("ru") == (
        f"логин: слишком длинное значение (не больше {LOGIN_LENGTH} символов)"
    )
