"""What a form tells the server about the record it showed (``negprep.versioning``)."""

from django import template

from negprep.versioning import shown_key

register = template.Library()


@register.filter
def shown_to_member(record) -> str:
    """The key of a cover request shown to the colleague asked (its ``member``)."""
    return shown_key(record, to_id=record.member_id)
