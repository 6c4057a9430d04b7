"""A deal's consultations: the departments asked, their answers or waivers, and what stays unsettled."""

import datetime

from deals.scale.stories.base import StoryBase
from deals.scale.words.consultations import (
    BOSS_ANSWERS,
    DEPARTMENT_ASK,
    DEPARTMENT_LABEL,
    DEPARTMENT_ROLE,
    FINANCE_ANSWERS,
    QUESTIONS,
    WAIVE_REASONS,
)


class ConsultationsStory(StoryBase):
    """The consultations; leaves ``unsettled`` (the required departments still open or
    requested) and ``commitments`` (department → the date it committed to)."""

    def write_consultations(self) -> None:
        rng, c = self.rng, self.c
        required = ["boss"]
        if self.involves_production:
            required.append("production")
        if self.involves_delivery:
            required.append("supply_chain")
        if self.finance_required:
            required.append("finance")
        optional = []
        if rng.random() < 0.05:
            optional = [d for d in ("production", "supply_chain", "finance") if d not in required][:1]
        self.unsettled = []
        self.commitments = {}
        deal_url = c.paths["deal"].format(self.deal_id) + "#consultations"
        meeting = self.next_meeting or (self.held_meetings[0] if self.held_meetings else None)
        for department in required + optional:
            is_required = department in required
            if self.aim_ready:
                status = rng.choices(["answered", "waived"], weights=[88, 12])[0]
            elif self.phase == "preparing":
                status = rng.choices(["open", "requested", "answered", "waived"], weights=[28, 37, 30, 5])[0]
            else:
                status = rng.choices(["open", "requested", "answered", "waived"], weights=[2, 3, 85, 10])[0]
            role = DEPARTMENT_ROLE[department]
            answerers = self.others(role) or self.team.members(role)
            values = {
                "questions": "",
                "assignee_id": None,
                "due_at": None,
                "requested_by_id": None,
                "requested_at": None,
            }
            created = self.created_at
            label = DEPARTMENT_LABEL[department].lower()
            if status != "open" and not (status == "waived" and rng.random() < 0.5):
                requested_at = self.at(self.created_at, self.prep_until)
                assignee = rng.choice(answerers) if rng.random() < 0.5 else None
                due = requested_at + datetime.timedelta(hours=rng.choice([24, 48, 72, 120]))
                if meeting is not None and meeting.starts_at > requested_at:
                    due = min(due, meeting.starts_at)
                values = {
                    "questions": QUESTIONS[department].format(
                        quantity=self.quantity,
                        date=(self.created_at + datetime.timedelta(days=60)).strftime("%d %b %Y"),
                    ),
                    "assignee_id": assignee,
                    "due_at": due,
                    "requested_by_id": self.owner,
                    "requested_at": requested_at,
                }
                asked = (
                    self.name(assignee)
                    if assignee
                    else ("the managers" if department == "boss" else f"the {label} queue")
                )
                self.activity(
                    requested_at,
                    "consultation_requested",
                    f"asked {asked} {DEPARTMENT_ASK[department]} ({label} consultation)",
                    changes={
                        "Asked": {"old": None, "new": asked},
                        "Due": {"old": None, "new": due.isoformat()},
                    },
                )
            answer = {}
            if status == "answered":
                answered_at = min(
                    values["requested_at"] + datetime.timedelta(hours=rng.randint(1, 40)), self.now
                )
                answered_by = values["assignee_id"] or rng.choice(answerers)
                if department in ("production", "supply_chain"):
                    can_fulfil = rng.choices(["yes", "partly", "no"], weights=[70, 22, 8])[0]
                    committed = None
                    if can_fulfil != "no":
                        committed = (answered_at + datetime.timedelta(days=rng.randint(20, 90))).date()
                        self.commitments[department] = committed
                    answer = {
                        "can_fulfil": can_fulfil,
                        "lead_time_days": rng.choice([7, 14, 21, 30, 45]),
                        "committed_date": committed,
                        "missing": ""
                        if can_fulfil == "yes"
                        else "Part of the material comes from the next batch.",
                        "extra_resources": rng.choice(["", "One extra shift for two weeks."]),
                        "support": rng.choice(["", "Joins a call on the details if needed."]),
                    }
                    summary = (
                        f"answered the {label} consultation — can fulfil: {can_fulfil}, "
                        f"{answer['lead_time_days']} days to mobilise"
                    )
                else:
                    answer = {"answer": rng.choice(BOSS_ANSWERS if department == "boss" else FINANCE_ANSWERS)}
                    summary = f"answered the {label} consultation"
                answer.update(answered_by_id=answered_by, answered_at=answered_at)
                self.activity(answered_at, "consultation_answered", summary, actor=answered_by)
                self.notify(
                    answered_at,
                    [self.owner],
                    "consultation_answered",
                    f"{self.name(answered_by)} answered your {label} consultation on {self.title}",
                    deal_url,
                )
            elif status == "waived":
                managers = self.others("manager")
                waived_by = rng.choice(managers)
                waived_at = self.at(self.created_at, self.prep_until)
                reason = rng.choice(WAIVE_REASONS)
                answer = {"waived_by_id": waived_by, "waived_at": waived_at, "waive_reason": reason}
                self.activity(
                    waived_at,
                    "consultation_waived",
                    f"waived the {label} consultation: {reason}",
                    actor=waived_by,
                )
            consultation_id = c.t_consultation.add(
                deal_id=self.deal_id,
                department=department,
                required=is_required,
                status=status,
                created_at=created,
                updated_at=answer.get("answered_at")
                or answer.get("waived_at")
                or values["requested_at"]
                or created,
                **values,
                **answer,
            )
            if status in ("requested", "answered") and values["requested_at"]:
                recipients = [values["assignee_id"]] if values["assignee_id"] else answerers
                audience = (
                    "you"
                    if values["assignee_id"]
                    else ("the managers" if department == "boss" else "your department")
                )
                self.notify(
                    values["requested_at"],
                    recipients,
                    "consultation_requested",
                    f"{self.title}: {self.name(self.owner)} asks {audience} {DEPARTMENT_ASK[department]}, "
                    f"by {self.when_text(values['due_at'])}",
                    c.paths["answer"].format(consultation_id),
                )
            if is_required and status in ("open", "requested"):
                self.unsettled.append(department)
