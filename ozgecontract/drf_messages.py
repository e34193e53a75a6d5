"""DRF messages that DRF's own Russian catalog leaves untranslated.

Nothing imports these names: the module only holds the messages so that
makemessages copies them into the ozgecontract catalog, which Django reads
after DRF's own and which so fills the gaps (DRF's ru catalog lacks, for
example, "Must be a valid boolean.").
"""

from django.utils.translation import gettext_noop

DRF_MESSAGES = (
    gettext_noop("Invalid input."),
    gettext_noop("Must be a valid boolean."),
    gettext_noop("Not a valid string."),
    gettext_noop(
        'Enter a valid "slug" consisting of Unicode letters, numbers, '
        "underscores, or hyphens."
    ),
    gettext_noop("Must be a valid UUID."),
    gettext_noop("A valid biginteger is required."),
    gettext_noop("Integer value too large to convert to float"),
    gettext_noop('Invalid datetime for the timezone "{timezone}".'),
    gettext_noop("Datetime value out of range."),
    gettext_noop("The number of days must be between {min_days} and {max_days}."),
    gettext_noop("Ensure this field has at least {min_length} elements."),
    gettext_noop("Ensure this field has no more than {max_length} elements."),
    gettext_noop("This dictionary may not be empty."),
    gettext_noop("Surrogate characters are not allowed: U+{code_point:X}."),
)
