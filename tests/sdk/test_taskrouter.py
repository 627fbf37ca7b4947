"""Issue 3: a whole TaskRouter life cycle through the official twilio SDK — workspace, activities,
workers, queue, workflow, task, reservation accepted with reservations(...).update, task
completed, events listed, statistics fetched."""

import json
import time

import pytest
from twilio.base.exceptions import TwilioRestException


def wait_for(fn, timeout=10.0):
    deadline = time.time() + timeout
    while True:
        value = fn()
        if value:
            return value
        assert time.time() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_default_workspace_is_flex_task_assignment(client):
    names = [w.friendly_name for w in client.taskrouter.v1.workspaces.list()]
    assert "Flex Task Assignment" in names


def test_full_life_cycle(client):
    tr = client.taskrouter.v1
    ws = tr.workspaces.create(friendly_name="sdk-life-cycle", event_callback_url="http://127.0.0.1:9/cb")
    assert ws.sid.startswith("WS") and ws.default_activity_name == "Offline"
    w = tr.workspaces(ws.sid)
    ready = w.activities.create(friendly_name="Ready", available=True)
    assert ready.available is True
    assert {a.friendly_name for a in w.activities.list()} >= {"Offline", "Available", "Ready"}
    chat = [c for c in w.task_channels.list() if c.unique_name == "chat"][0]
    queue = w.task_queues.create(friendly_name="Spanish", target_workers='languages HAS "es"', task_order="FIFO")
    assert queue.target_workers == 'languages HAS "es"'
    config = {"task_routing": {"filters": [{"filter_friendly_name": "es", "expression": "language == 'es'",
                                            "targets": [{"queue": queue.sid, "priority": 5}]}],
                               "default_filter": {"queue": queue.sid}}}
    flow = w.workflows.create(friendly_name="sdk", configuration=json.dumps(config), task_reservation_timeout=60)
    assert json.loads(flow.configuration) == config
    maria = w.workers.create(friendly_name="maria", attributes=json.dumps({"languages": ["es"]}))
    assert maria.activity_name == "Offline" and maria.available is False
    maria = w.workers(maria.sid).update(activity_sid=ready.sid)
    assert maria.available is True
    channels = w.workers(maria.sid).worker_channels.list()
    assert len(channels) == 5
    wc = w.workers(maria.sid).worker_channels(chat.sid).update(capacity=2)
    assert wc.configured_capacity == 2

    task = w.tasks.create(workflow_sid=flow.sid, attributes=json.dumps({"language": "es"}), task_channel="chat")
    assert task.task_channel_unique_name == "chat"
    reservation = wait_for(lambda: [r for r in w.tasks(task.sid).reservations.list() if r.reservation_status == "pending"])[0]
    assert reservation.worker_sid == maria.sid and reservation.worker_name == "maria"
    assert w.tasks(task.sid).fetch().assignment_status == "reserved"
    accepted = w.tasks(task.sid).reservations(reservation.sid).update(reservation_status="accepted")
    assert accepted.reservation_status == "accepted"
    assert w.tasks(task.sid).fetch().assignment_status == "assigned"
    mine = w.workers(maria.sid).reservations.list()
    assert [r.sid for r in mine] == [reservation.sid]
    done = w.tasks(task.sid).update(assignment_status="completed", reason="resolved")
    assert done.assignment_status == "completed" and done.reason == "resolved"

    events = w.events.list(task_sid=task.sid)
    types = [e.event_type for e in events]
    for t in ("task.created", "reservation.created", "reservation.accepted", "task.completed"):
        assert t in types
    assert all(e.event_date is not None for e in events)
    assert [e.event_type for e in w.events.list(event_type="reservation.accepted")] == ["reservation.accepted"]

    stats = w.statistics().fetch()
    assert stats.cumulative["tasks_completed"] == 1 and stats.realtime["total_workers"] == 1
    rt = w.real_time_statistics().fetch()
    assert rt.total_tasks == 0
    cu = w.cumulative_statistics().fetch(minutes=60)
    assert cu.reservations_accepted == 1 and cu.tasks_created == 1
    qs = w.task_queues(queue.sid).statistics().fetch()
    assert qs.realtime["total_eligible_workers"] == 1
    assert len(w.task_queues.statistics.list()) == 1
    assert w.task_queues(queue.sid).real_time_statistics().fetch().total_available_workers == 1
    assert w.task_queues(queue.sid).cumulative_statistics().fetch().tasks_completed == 1
    assert w.workers.statistics().fetch().realtime["total_workers"] == 1
    assert w.workers(maria.sid).statistics().fetch().cumulative["reservations_accepted"] == 1

    # Clean-up through the SDK's delete calls.
    assert w.workers(maria.sid).delete() is True
    assert w.workflows(flow.sid).delete() is True
    assert w.task_queues(queue.sid).delete() is True
    assert tr.workspaces(ws.sid).delete() is True


def test_errors_surface_as_twilio_exceptions(client):
    w = client.taskrouter.v1.workspaces.create(friendly_name="sdk-errors")
    ws = client.taskrouter.v1.workspaces(w.sid)
    with pytest.raises(TwilioRestException) as e:
        ws.task_queues.create(friendly_name="bad", target_workers="skills HAS")
    assert e.value.status == 400 and "TargetWorkers" in e.value.msg
    with pytest.raises(TwilioRestException) as e:
        ws.workers("WK" + "0" * 32).fetch()
    assert e.value.status == 404 and e.value.code == 20404
