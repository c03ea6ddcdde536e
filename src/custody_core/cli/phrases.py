"""What the command says, in each language: column labels, phrases, titles and the names
of order states, roles and failure reasons, from the language files under
`custody_core/locales` (the names are the ones the messages use)."""

from custody_core.domain.messages import LANGUAGES
from custody_core.domain.orders import OrderState
from custody_core.domain.principal import Role

LABELS = {locale: texts.cli_labels for locale, texts in LANGUAGES.items()}
PHRASES = {locale: texts.cli_phrases for locale, texts in LANGUAGES.items()}
TITLES = {locale: texts.cli_titles for locale, texts in LANGUAGES.items()}
STATES = {
    locale: {OrderState(state): name for state, name in texts.order_states.items()}
    for locale, texts in LANGUAGES.items()
}
#: Roles as tables show them: in English the values `user grant` takes.
ROLES = {
    locale: {Role(role): name for role, name in texts.roles.items()}
    for locale, texts in LANGUAGES.items()
}
FAILURE_REASONS = {locale: texts.failure_reasons for locale, texts in LANGUAGES.items()}
