"""A deal's meetings: when they are, who comes, which is next, and their cancellations."""

import datetime

from deals.scale.stories.base import MeetingPlan, StoryBase
from deals.scale.words.deals import CANCEL_REASONS, STAGE_LABEL, STAGES


class MeetingsStory(StoryBase):
    """The deal's meetings: drawn first, written with their contacts and cancellations.

    ``next_meeting`` and ``held_meetings`` are what the other parts read.
    """

    def plan_meetings(self) -> None:
        rng, now = self.rng, self.now
        phase = self.phase
        past, upcoming = 0, False
        if phase == "preparing":
            upcoming = rng.random() < 0.95
            past = 1 if rng.random() < 0.05 else 0  # a meeting held but not reported yet
        elif phase == "negotiating":
            past, upcoming = rng.randint(1, 2), rng.random() < 0.85
        elif phase in ("won", "lost"):
            past = rng.randint(1, 3)
        else:
            past = rng.randint(0, 2)
        if phase in ("won", "lost", "withdrawn"):
            last = now - datetime.timedelta(days=rng.randint(2, 500))
        else:
            last = now - datetime.timedelta(days=rng.randint(1, 40))
        starts = []
        moment = last
        for _ in range(past):
            starts.append(self.slot(moment))
            moment -= datetime.timedelta(days=rng.randint(5, 25))
        starts.reverse()
        if self.phase == "preparing" and past:
            # Held within the last day or two: the report is still due.
            starts = [self.slot(now - datetime.timedelta(days=rng.randint(1, 2)))]
        offset = 0 if phase == "preparing" else rng.choice([0, 0, 1])
        self.meetings: list[MeetingPlan] = []
        for index, start in enumerate(starts):
            stage = STAGES[min(index + offset, 2)]
            self.meetings.append(
                MeetingPlan(0, start, start + datetime.timedelta(hours=rng.choice([1, 2, 2, 3])), stage)
            )
        if upcoming:
            if rng.random() < 0.1:
                start = (now + datetime.timedelta(hours=rng.randint(3, 47))).replace(minute=0)
            else:
                start = self.slot(now + datetime.timedelta(days=rng.randint(2, 40)))
            stage = STAGES[min(len(starts) + offset, 2)]
            if phase == "preparing" and rng.random() < 0.2:
                stage = rng.choice(STAGES)
            self.meetings.append(
                MeetingPlan(0, start, start + datetime.timedelta(hours=rng.choice([1, 2, 2])), stage)
            )
        if rng.random() < 0.07:
            # A cancelled meeting, past or ahead.
            day = now + datetime.timedelta(days=rng.randint(-60, 20))
            start = self.slot(day)
            self.meetings.append(
                MeetingPlan(0, start, start + datetime.timedelta(hours=1), rng.choice(STAGES), cancelled=True)
            )
            self.meetings.sort(key=lambda m: m.starts_at)

    @property
    def next_meeting(self) -> MeetingPlan | None:
        upcoming = [m for m in self.meetings if m.is_upcoming(self.now)]
        return min(upcoming, key=lambda m: m.starts_at) if upcoming else None

    @property
    def held_meetings(self) -> list[MeetingPlan]:
        return [m for m in self.meetings if not m.cancelled and m.starts_at <= self.now]

    def write_meetings(self) -> None:
        rng, c = self.rng, self.c
        place = rng.random()
        for meeting in self.meetings:
            created = (
                self.created_at
                if meeting is self.meetings[0]
                else self.at(self.created_at, min(meeting.starts_at, self.now))
            )
            meeting.id = c.t_meeting.add(
                deal_id=self.deal_id,
                starts_at=meeting.starts_at,
                ends_at=meeting.ends_at,
                location=f"{self.customer_name}, head office" if place < 0.7 else "",
                video_link="" if place < 0.7 else f"https://meet.example/{rng.randint(10**6, 10**7)}",
                stage=meeting.stage,
                cancelled=meeting.cancelled,
                cancelled_reason=rng.choice(CANCEL_REASONS) if meeting.cancelled else "",
                created_at=created,
                updated_at=created,
            )
            attending = self.contacts if self.aim_ready else [k for k in self.contacts if rng.random() < 0.75]
            if not attending and self.contacts and (self.aim_ready or rng.random() < 0.8):
                attending = self.contacts[:1]
            meeting.contacts = attending
            for contact_id in attending:
                c.t_meeting_contact.add(meeting_id=meeting.id, contact_id=contact_id)
            label = STAGE_LABEL[meeting.stage].lower()
            article = "an" if label[0] in "aeiou" else "a"
            self.activity(
                created,
                "meeting_scheduled",
                f"scheduled {article} {label} meeting",
                changes={
                    "Start": {"old": None, "new": meeting.starts_at.isoformat()},
                    "End": {"old": None, "new": meeting.ends_at.isoformat()},
                },
            )
            if meeting.cancelled:
                when = min(meeting.starts_at - datetime.timedelta(hours=rng.randint(2, 48)), self.now)
                when = max(when, created)
                self.activity(when, "meeting_cancelled", f"cancelled the {label} meeting")
                colleagues = meeting.co_negotiators
                self.notify(
                    when,
                    colleagues,
                    "meeting_changed",
                    f"{self.title}: the {label} meeting was cancelled",
                    c.paths["deal"].format(self.deal_id),
                )
