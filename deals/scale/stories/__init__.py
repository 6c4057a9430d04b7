"""One deal's story, from its creation to today: every row it leaves behind.

``DealStory`` (in ``deal``) writes the deal and its status; each part of the
story has its own class and module, combined into it: ``meetings``,
``briefing``, ``payment_terms``, ``consultations``, ``cover`` (on-call cover
and co-negotiators) and ``reports``. ``base`` holds what they share: the
team, a planned meeting, and the helpers for a timeline entry or a notification.
"""

from deals.scale.stories.base import MeetingPlan, TeamSet
from deals.scale.stories.deal import DealStory

__all__ = ["DealStory", "MeetingPlan", "TeamSet"]
