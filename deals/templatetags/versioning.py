"""What a form tells the server about the record it showed (``negprep.versioning``)."""

from django import template

from negprep.versioning import shown_key

register = template.Library()


@register.filter
def shown_to(record, user_id) -> str:
    """The key of ``record`` shown to the user ``user_id``, for a form to post along:
    ``{{ on_call|shown_to:on_call.member_id }}``."""
    return shown_key(record, to_id=user_id)
