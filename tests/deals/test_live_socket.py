"""Meeting mode's sockets through the real ASGI application and the configured channel layer
(Redis in CI): live delivery, resync after a drop, refusals, and bad input that is never sent."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from deals.models import LiveQuestion
from deals.services.live import answer_give, question_ask
from teams.models import Role
from tests.factories import MeetingFactory, OnCallFactory
from tests.live_sockets import Socket, db, run

pytestmark = pytest.mark.usefixtures("transactional_db")


@pytest.fixture
def live_meeting(world):
    starts_at = timezone.now() - datetime.timedelta(minutes=10)
    return MeetingFactory(
        deal=world.objects["deal"], starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=1)
    )


@pytest.fixture
def on_call(live_meeting, world):
    return OnCallFactory(meeting=live_meeting, member=world.members[Role.PRODUCTION])


def test_the_channel_layer_is_redis_when_redis_is_configured():
    backend = settings.CHANNEL_LAYERS["default"]["BACKEND"]
    if settings.NEGPREP_CHANNEL_LAYER_URL:
        assert backend == "channels_redis.core.RedisChannelLayer"
    else:
        assert backend == "channels.layers.InMemoryChannelLayer"


def test_a_question_reaches_the_colleague_on_call_and_the_answer_the_rep(live_meeting, on_call, rep):
    path = f"/ws/meetings/{live_meeting.pk}/"

    async def scenario():
        room = await Socket.open(path, rep)
        assert room.accepted, room.close_code
        assert (await room.receive())["event"] == "synced"
        colleague = await Socket.open("/ws/live/", on_call.member)
        assert colleague.accepted
        await room.send({"type": "ask", "text": "Can we deliver by 2027-01-15?", "ref": "q1"})
        question = await room.until("question")
        assert question["text"] == "Can we deliver by 2027-01-15?" and question["seq"] == 1
        assert (await room.until("done"))["ref"] == "q1"
        toast = await colleague.until("question")
        assert toast["toast"] is True and toast["deal"] == live_meeting.deal.title
        stored = await db(LiveQuestion.objects.get)()
        await db(answer_give)(question=stored, by=on_call.member, reply="yes")
        answer = await room.until("answer")
        assert answer["text"] == "Yes" and answer["question"] == stored.pk and answer["seq"] == 2
        await room.close()
        await colleague.close()

    run(scenario)


def test_a_client_that_reconnects_gets_what_it_missed_once(live_meeting, on_call, rep):
    first = question_ask(meeting=live_meeting, by=rep, text="One")
    answer_give(question=first, by=on_call.member, reply="no")
    question_ask(meeting=live_meeting, by=rep, text="Two")

    async def scenario():
        room = await Socket.open(f"/ws/meetings/{live_meeting.pk}/?after=1", rep)
        events = []
        while (message := await room.receive())["event"] != "synced":
            events.append((message["event"], message["seq"]))
        assert events == [("answer", 2), ("question", 3)]
        assert await room.nothing_waiting()
        await room.close()

    run(scenario)


def test_bad_input_is_answered_with_an_error_and_never_sent(live_meeting, on_call, rep):
    async def scenario():
        room = await Socket.open(f"/ws/meetings/{live_meeting.pk}/", rep)
        await room.until("synced")
        colleague = await Socket.open("/ws/live/", on_call.member)
        await room.send({"type": "ask", "text": "   ", "ref": "empty"})
        error = await room.until("error")
        assert error["ref"] == "empty" and "Type the question" in error["message"]
        await room.send({"type": "ask", "text": "x" * 600, "ref": "long"})
        assert "under 500" in (await room.until("error"))["message"]
        await room.send({"type": "answer", "question": 999999, "reply": "yes", "ref": "a"})
        assert (await room.until("error"))["ref"] == "a"
        assert await colleague.nothing_waiting()
        await room.close()
        await colleague.close()

    run(scenario)
    assert not LiveQuestion.objects.exists()


def test_the_rep_may_not_answer_over_the_socket(live_meeting, on_call, rep):
    question = question_ask(meeting=live_meeting, by=rep, text="One")

    async def scenario():
        room = await Socket.open(f"/ws/meetings/{live_meeting.pk}/?after=1", rep)
        await room.until("synced")
        await room.send({"type": "answer", "question": question.pk, "reply": "yes", "ref": "mine"})
        assert "on call" in (await room.until("error"))["message"]
        await room.close()

    run(scenario)


def test_a_socket_from_another_site_is_refused(live_meeting, rep):
    async def scenario():
        socket = await Socket.open(f"/ws/meetings/{live_meeting.pk}/", rep, origin=b"https://evil.example")
        assert not socket.accepted

    run(scenario)


def test_a_signed_out_visitor_gets_no_toast_socket():
    async def scenario():
        socket = await Socket.open("/ws/live/", None)
        assert not socket.accepted and socket.close_code == 4401

    run(scenario)


def test_the_heartbeat_names_the_last_number_and_a_client_may_ask_for_what_it_missed(
    live_meeting, on_call, rep
):
    first = question_ask(meeting=live_meeting, by=rep, text="One")
    answer_give(question=first, by=on_call.member, reply="yes")

    async def scenario():
        room = await Socket.open(f"/ws/meetings/{live_meeting.pk}/?after=2", rep)
        await room.until("synced")
        await room.send({"type": "ping"})
        assert (await room.until("pong"))["last"] == 2
        await room.send({"type": "since", "after": 0})
        assert [(await room.receive())["seq"], (await room.receive())["seq"]] == [1, 2]
        assert (await room.receive())["event"] == "synced"
        await room.close()

    run(scenario)


def _closed_with(message: dict) -> int | None:
    return message.get("code") if message["type"] == "websocket.close" else None


def test_a_socket_reads_its_gate_again_and_closes_who_is_no_longer_on_call(
    live_meeting, on_call, rep, monkeypatch
):
    """Within ``SEAT_FRESH_FOR`` a socket answers from the gate it read; past it, it reads the gate
    again, and a colleague who declined the cover meanwhile is refused and closed."""
    from deals.models import OnCallStatus
    from deals.views import live_socket

    question = question_ask(meeting=live_meeting, by=rep, text="Can we deliver in March?")
    monkeypatch.setattr(live_socket, "SEAT_FRESH_FOR", (0.0, 0.0))  # every message reads it again

    async def scenario():
        colleague = await Socket.open(f"/ws/meetings/{live_meeting.pk}/", on_call.member)
        assert colleague.accepted
        await colleague.until("synced")
        await db(type(on_call).objects.filter(pk=on_call.pk).update)(status=OnCallStatus.DECLINED)
        await colleague.send({"type": "answer", "question": question.pk, "reply": "yes", "ref": "late"})
        error = await colleague.until("error")
        assert error["ref"] == "late" and "no longer" in error["message"]
        assert _closed_with(await colleague.communicator.receive_output(5)) == 4403

        watcher = await Socket.open(f"/ws/meetings/{live_meeting.pk}/", on_call.member)
        assert not watcher.accepted and watcher.close_code == 4403

    run(scenario)
    assert not question.answers.exists()


def test_the_heartbeat_closes_a_socket_whose_user_left_the_meeting(live_meeting, on_call, rep, monkeypatch):
    from deals.models import OnCallStatus
    from deals.views import live_socket

    monkeypatch.setattr(live_socket, "SEAT_FRESH_FOR", (0.0, 0.0))  # every beat reads it again

    async def scenario():
        colleague = await Socket.open(f"/ws/meetings/{live_meeting.pk}/", on_call.member)
        await colleague.until("synced")
        await colleague.send({"type": "ping"})
        assert (await colleague.until("pong"))["last"] == 0
        await db(type(on_call).objects.filter(pk=on_call.pk).update)(status=OnCallStatus.DECLINED)
        await colleague.send({"type": "ping"})
        assert _closed_with(await colleague.communicator.receive_output(5)) == 4403

    run(scenario)


def test_broadcasts_to_one_meeting_arrive_in_the_order_they_were_made(live_meeting, rep):
    from negprep.live import broadcast, meeting_group

    def burst():
        for number in range(40):
            broadcast(meeting_group(live_meeting.pk), {"event": "burst", "n": number})
            broadcast(f"meeting-{live_meeting.pk + 100000}", {"event": "elsewhere", "n": number})

    async def scenario():
        room = await Socket.open(f"/ws/meetings/{live_meeting.pk}/", rep)
        await room.until("synced")
        await db(burst)()
        assert [(await room.until("burst"))["n"] for _ in range(40)] == list(range(40))
        await room.close()

    run(scenario)
