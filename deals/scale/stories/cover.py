"""A deal's cover at its meetings: colleagues on call and co-negotiators asked to come along."""

import datetime

from deals.scale.stories.base import StoryBase
from deals.scale.words.deals import ON_CALL_TOPICS


class CoverStory(StoryBase):
    """On-call cover and co-negotiators per meeting; marks a meeting ``covered`` and adds
    its accepted co-negotiators."""

    def write_cover(self) -> None:
        rng, c = self.rng, self.c
        deal_url = c.paths["deal"].format(self.deal_id)
        helpers = [m for role in ("production", "supply_chain", "finance") for m in self.team.members(role)]
        colleagues = [m for m in self.team.members("manager") + self.team.members("rep") if m != self.owner]
        for meeting in self.meetings:
            if meeting.cancelled:
                continue
            is_next = meeting is self.next_meeting
            want_cover = (self.aim_ready and is_next) or rng.random() < 0.3
            if want_cover and helpers:
                member = rng.choice(helpers)
                status = (
                    "accepted"
                    if (self.aim_ready and is_next)
                    else rng.choices(["accepted", "requested", "declined"], weights=[65, 25, 10])[0]
                )
                asked = self.at(self.created_at, min(meeting.starts_at, self.now))
                covers = status == "accepted" and (self.aim_ready or rng.random() < 0.9)
                start = (
                    meeting.starts_at - datetime.timedelta(minutes=30)
                    if covers
                    else meeting.starts_at + datetime.timedelta(minutes=30)
                )
                topic = rng.choice(ON_CALL_TOPICS)
                c.t_on_call.add(
                    meeting_id=meeting.id,
                    member_id=member,
                    topic=topic,
                    phone=self.c.phones.get(member, "+49 30 5550000"),
                    available_from=start,
                    available_to=meeting.ends_at + datetime.timedelta(minutes=30),
                    status=status,
                    requested_by_id=self.owner,
                    responded_at=None
                    if status == "requested"
                    else min(asked + datetime.timedelta(hours=3), self.now),
                    created_at=asked,
                )
                meeting.covered = covers
                self.activity(
                    asked,
                    "on_call_requested",
                    f"asked {self.name(member)} to be on call for {topic} during the {meeting.stage} meeting",
                )
                self.notify(
                    asked,
                    [member],
                    "on_call_requested",
                    f"{self.title}: {self.name(self.owner)} asks you to be on call for {topic} on "
                    f"{self.when_text(meeting.starts_at)}",
                    deal_url,
                )
            want_co = (
                meeting.stage == "final" and (self.aim_ready or rng.random() < 0.7) or rng.random() < 0.08
            )
            if want_co and colleagues:
                members = rng.sample(colleagues, min(len(colleagues), rng.choice([1, 1, 2])))
                for number, member in enumerate(members):
                    status = (
                        "accepted"
                        if (self.aim_ready and number == 0)
                        else rng.choices(["accepted", "requested", "declined"], weights=[70, 20, 10])[0]
                    )
                    asked = self.at(self.created_at, min(meeting.starts_at, self.now))
                    c.t_co_request.add(
                        meeting_id=meeting.id,
                        member_id=member,
                        status=status,
                        note=rng.choice(["", "You know their plant manager."]),
                        requested_by_id=self.owner,
                        responded_at=None
                        if status == "requested"
                        else min(asked + datetime.timedelta(hours=5), self.now),
                        created_at=asked,
                    )
                    self.activity(
                        asked,
                        "co_negotiator_requested",
                        f"asked {self.name(member)} to come along to the {meeting.stage} meeting",
                    )
                    self.notify(
                        asked,
                        [member],
                        "co_negotiator_requested",
                        f"{self.name(self.owner)} asks you to come along to the {meeting.stage} meeting with "
                        f"{self.customer_name} on {self.when_text(meeting.starts_at)}",
                        deal_url,
                    )
                    if status == "accepted":
                        meeting.co_negotiators.append(member)
                        c.t_meeting_co.add(meeting_id=meeting.id, user_id=member)
