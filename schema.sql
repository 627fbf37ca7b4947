-- switchboard schema. Append-only: each "-- step N: why" block is applied once, in order, in its own
-- transaction, and PRAGMA user_version records the last step applied (src/store/migrate.rs).
-- Never edit a step that has shipped; add a new one.

-- step 1: the account and its API keys
CREATE TABLE accounts (
    sid          TEXT PRIMARY KEY,
    friendly_name TEXT NOT NULL,
    auth_token   TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'active',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE TABLE api_keys (
    sid          TEXT PRIMARY KEY,
    account_sid  TEXT NOT NULL REFERENCES accounts(sid) ON DELETE CASCADE,
    friendly_name TEXT NOT NULL,
    secret_salt  TEXT NOT NULL,
    secret_hash  TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

-- step 2: the event outbox, subscriber cursors and durable timers
CREATE TABLE events (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    sid          TEXT NOT NULL UNIQUE,
    account_sid  TEXT NOT NULL,
    workspace_sid TEXT,
    event_type   TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_sid TEXT NOT NULL,
    actor_sid    TEXT,
    description  TEXT NOT NULL,
    data         TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX events_by_workspace ON events(workspace_sid, seq);
CREATE INDEX events_by_resource ON events(resource_sid, seq);
CREATE TABLE subscriber_cursors (
    name         TEXT PRIMARY KEY,
    seq          INTEGER NOT NULL
);
CREATE TABLE timers (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    target       TEXT NOT NULL,
    due_at       INTEGER NOT NULL,
    data         TEXT NOT NULL DEFAULT '{}',
    attempts     INTEGER NOT NULL DEFAULT 0,
    UNIQUE (kind, target)
);
CREATE INDEX timers_by_due ON timers(due_at);

-- step 3: TaskRouter (workspaces, activities, task channels, workers and their channels, task
-- queues, workflows, tasks, reservations); the partial indexes keep routing cost proportional to
-- the free workers and the heads of queues, not to the backlog.
CREATE TABLE tr_workspaces (
    sid          TEXT PRIMARY KEY,
    account_sid  TEXT NOT NULL,
    friendly_name TEXT NOT NULL,
    event_callback_url TEXT,
    events_filter TEXT,
    default_activity_sid TEXT,
    timeout_activity_sid TEXT,
    prioritize_queue_order TEXT NOT NULL DEFAULT 'FIFO',
    multi_task_enabled INTEGER NOT NULL DEFAULT 1,
    is_default   INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX tr_workspaces_name ON tr_workspaces(friendly_name);
CREATE TABLE tr_activities (
    sid          TEXT PRIMARY KEY,
    workspace_sid TEXT NOT NULL REFERENCES tr_workspaces(sid) ON DELETE CASCADE,
    friendly_name TEXT NOT NULL,
    available    INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (workspace_sid, friendly_name)
);
CREATE TABLE tr_task_channels (
    sid          TEXT PRIMARY KEY,
    workspace_sid TEXT NOT NULL REFERENCES tr_workspaces(sid) ON DELETE CASCADE,
    unique_name  TEXT NOT NULL,
    friendly_name TEXT NOT NULL,
    channel_optimized_routing INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (workspace_sid, unique_name)
);
CREATE TABLE tr_workers (
    sid          TEXT PRIMARY KEY,
    workspace_sid TEXT NOT NULL REFERENCES tr_workspaces(sid) ON DELETE CASCADE,
    friendly_name TEXT NOT NULL,
    attributes   TEXT NOT NULL,
    activity_sid TEXT NOT NULL,
    available    INTEGER NOT NULL,
    status_changed_at INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (workspace_sid, friendly_name)
);
CREATE INDEX tr_workers_by_activity ON tr_workers(workspace_sid, activity_sid);
-- One row per worker and task channel. `active` counts the worker's pending, accepted and
-- wrapping reservations on the channel; `free` = available activity AND active < capacity, kept
-- up to date in the same transactions, so "who can take a chat task now" is an index range.
CREATE TABLE tr_worker_channels (
    sid          TEXT NOT NULL UNIQUE,
    worker_sid   TEXT NOT NULL REFERENCES tr_workers(sid) ON DELETE CASCADE,
    task_channel_sid TEXT NOT NULL REFERENCES tr_task_channels(sid) ON DELETE CASCADE,
    workspace_sid TEXT NOT NULL,
    configured_capacity INTEGER NOT NULL,
    available    INTEGER NOT NULL DEFAULT 1,
    active       INTEGER NOT NULL DEFAULT 0,
    free         INTEGER NOT NULL DEFAULT 0,
    idle_since   INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (worker_sid, task_channel_sid)
);
CREATE INDEX tr_worker_channels_free ON tr_worker_channels(task_channel_sid, idle_since)
    WHERE free = 1;
CREATE TABLE tr_task_queues (
    sid          TEXT PRIMARY KEY,
    workspace_sid TEXT NOT NULL REFERENCES tr_workspaces(sid) ON DELETE CASCADE,
    friendly_name TEXT NOT NULL,
    target_workers TEXT NOT NULL,
    task_order   TEXT NOT NULL DEFAULT 'FIFO',
    max_reserved_workers INTEGER NOT NULL DEFAULT 1,
    assignment_activity_sid TEXT,
    reservation_activity_sid TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (workspace_sid, friendly_name)
);
CREATE TABLE tr_workflows (
    sid          TEXT PRIMARY KEY,
    workspace_sid TEXT NOT NULL REFERENCES tr_workspaces(sid) ON DELETE CASCADE,
    friendly_name TEXT NOT NULL,
    configuration TEXT NOT NULL,
    assignment_callback_url TEXT,
    fallback_assignment_callback_url TEXT,
    task_reservation_timeout INTEGER NOT NULL DEFAULT 120,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX tr_workflows_by_workspace ON tr_workflows(workspace_sid, created_at);
-- A task waiting in a queue is found through `tr_tasks_waiting`: per queue and channel, by
-- routing priority, then `order_key` (the queue entry time, negated for LIFO queues).
CREATE TABLE tr_tasks (
    sid          TEXT PRIMARY KEY,
    workspace_sid TEXT NOT NULL REFERENCES tr_workspaces(sid) ON DELETE CASCADE,
    workflow_sid TEXT,
    task_channel_sid TEXT NOT NULL,
    task_channel_unique_name TEXT NOT NULL,
    attributes   TEXT NOT NULL,
    priority     INTEGER NOT NULL,
    timeout      INTEGER NOT NULL,
    assignment_status TEXT NOT NULL,
    reason       TEXT,
    queue_sid    TEXT,
    queue_entered_at INTEGER,
    target_index INTEGER,
    filter_index INTEGER,
    route_priority INTEGER NOT NULL DEFAULT 0,
    order_key    INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX tr_tasks_waiting ON tr_tasks(queue_sid, task_channel_sid, route_priority DESC, order_key)
    WHERE assignment_status = 'pending';
CREATE INDEX tr_tasks_by_workspace ON tr_tasks(workspace_sid, assignment_status, created_at);
CREATE TABLE tr_reservations (
    sid          TEXT PRIMARY KEY,
    workspace_sid TEXT NOT NULL,
    task_sid     TEXT NOT NULL REFERENCES tr_tasks(sid) ON DELETE CASCADE,
    worker_sid   TEXT NOT NULL REFERENCES tr_workers(sid) ON DELETE CASCADE,
    task_channel_sid TEXT NOT NULL,
    status       TEXT NOT NULL,
    timeout      INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX tr_reservations_by_task ON tr_reservations(task_sid, created_at);
CREATE INDEX tr_reservations_by_worker ON tr_reservations(worker_sid, status, created_at);
