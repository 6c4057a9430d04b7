"""Meeting mode: the questions the rep asks the team during a meeting, their answers, and the notes
that become the report.

Questions and answers of one meeting share one running ``sequence`` (``LiveRoom`` hands it out), so a
client that lost its connection asks for everything after the last number it saw and misses nothing.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from deals.models.meetings import Meeting

QUESTION_MAX_LENGTH = 500
ANSWER_MAX_LENGTH = 500
NOTES_MAX_LENGTH = 20000


class LiveRoom(models.Model):
    """A meeting's live channel: the last sequence number given to a question or an answer."""

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="live_room")
    last_sequence = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"Live room of {self.meeting}"


class QuestionKind(models.TextChoices):
    FREE = "free", "Question"
    DELIVERY = "delivery", "Can we deliver by …?"
    DISCOUNT = "discount", "Can we go to …% discount?"
    PRICE = "price", "Can we go down to … a unit?"


class LiveQuestion(models.Model):
    """A question from the room to whoever is on call (and the managers, when the rep ticks it)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="live_questions")
    sequence = models.PositiveIntegerField()
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=QuestionKind.choices, default=QuestionKind.FREE)
    text = models.CharField(max_length=QUESTION_MAX_LENGTH)
    to_managers = models.BooleanField("also ask the managers", default=False)
    # What the phone called this question when it queued it offline: the same key sent twice is
    # stored once, so a queue replayed after a lost answer asks nothing twice.
    client_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sequence"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "sequence"], name="live_question_sequence_once"),
            models.UniqueConstraint(
                fields=["meeting", "asked_by", "client_key"],
                condition=~Q(client_key=""),
                name="live_question_client_key_once",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=QuestionKind.values), name="live_question_kind_valid"
            ),
        ]

    def __str__(self):
        return f"Question {self.sequence} at {self.meeting}"


class QuickReply(models.TextChoices):
    TEXT = "text", "Answer"
    YES = "yes", "Yes"
    NO = "no", "No"
    CALL = "call", "Call me now"


class LiveAnswer(models.Model):
    """An answer to a live question, by someone on call for the meeting or a manager of the deal."""

    question = models.ForeignKey(LiveQuestion, on_delete=models.CASCADE, related_name="answers")
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="live_answers")
    sequence = models.PositiveIntegerField()
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reply = models.CharField(max_length=8, choices=QuickReply.choices, default=QuickReply.TEXT)
    text = models.CharField(max_length=ANSWER_MAX_LENGTH, blank=True)
    beyond_limits = models.BooleanField(default=False)
    beyond_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sequence"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "sequence"], name="live_answer_sequence_once"),
            models.CheckConstraint(condition=Q(reply__in=QuickReply.values), name="live_answer_reply_valid"),
        ]

    def __str__(self):
        return f"Answer {self.sequence} at {self.meeting}"

    @property
    def wording(self) -> str:
        """The answer as the rep reads it: the quick reply, then what was typed."""
        if self.reply == QuickReply.TEXT:
            return self.text
        label = QuickReply(self.reply).label
        return f"{label}. {self.text}" if self.text else label


class MeetingNote(models.Model):
    """One person's notes during a meeting, saved as they type; the report starts from them."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(blank=True, max_length=NOTES_MAX_LENGTH)
    revision = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "author"], name="meeting_note_once")]

    def __str__(self):
        return f"Notes of {self.author} at {self.meeting}"
