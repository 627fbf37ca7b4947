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

-- step 3: Studio flows with revisions, executions and their steps, outbound HTTP jobs of the engine, customer profiles
CREATE TABLE flows (
    sid          TEXT PRIMARY KEY,
    revision     INTEGER NOT NULL,
    published_revision INTEGER,
    test_users   TEXT NOT NULL DEFAULT '[]',
    created_at   INTEGER NOT NULL
);
CREATE TABLE flow_revisions (
    flow_sid     TEXT NOT NULL REFERENCES flows(sid) ON DELETE CASCADE,
    revision     INTEGER NOT NULL,
    friendly_name TEXT NOT NULL,
    status       TEXT NOT NULL,
    definition   TEXT NOT NULL,
    commit_message TEXT,
    valid        INTEGER NOT NULL,
    errors       TEXT NOT NULL DEFAULT '[]',
    warnings     TEXT NOT NULL DEFAULT '[]',
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (flow_sid, revision)
);
CREATE TABLE executions (
    sid          TEXT PRIMARY KEY,
    flow_sid     TEXT NOT NULL REFERENCES flows(sid) ON DELETE CASCADE,
    revision     INTEGER NOT NULL,
    contact      TEXT NOT NULL,
    channel_address TEXT NOT NULL,
    status       TEXT NOT NULL,
    context      TEXT NOT NULL,
    wait         TEXT,
    step_count   INTEGER NOT NULL DEFAULT 0,
    parent_sid   TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX executions_by_flow ON executions(flow_sid, created_at);
CREATE INDEX executions_active ON executions(flow_sid, contact) WHERE status = 'active';
CREATE INDEX executions_by_parent ON executions(parent_sid) WHERE parent_sid IS NOT NULL;
CREATE TABLE execution_steps (
    sid          TEXT PRIMARY KEY,
    execution_sid TEXT NOT NULL REFERENCES executions(sid) ON DELETE CASCADE,
    flow_sid     TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    name         TEXT NOT NULL,
    transitioned_from TEXT NOT NULL,
    transitioned_to TEXT NOT NULL,
    context      TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX steps_by_execution ON execution_steps(execution_sid, seq);
CREATE TABLE studio_http_jobs (
    execution_sid TEXT PRIMARY KEY REFERENCES executions(sid) ON DELETE CASCADE,
    token        INTEGER NOT NULL,
    request      TEXT NOT NULL,
    running      INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL
);
CREATE TABLE profiles (
    sid          TEXT PRIMARY KEY,
    friendly_name TEXT NOT NULL,
    phone        TEXT,
    email        TEXT,
    traits       TEXT NOT NULL DEFAULT '{}',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX profiles_by_phone ON profiles(phone);
CREATE INDEX profiles_by_email ON profiles(email);

-- step 4: channels: Flex Flows, conversations (participants, messages, webhooks), channel sessions, task links, the outbound HTTP outbox, web chats, interactions
CREATE TABLE conversation_services (
    sid          TEXT PRIMARY KEY,
    friendly_name TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE TABLE flex_flows (
    sid          TEXT PRIMARY KEY,
    friendly_name TEXT NOT NULL,
    chat_service_sid TEXT NOT NULL,
    channel_type TEXT NOT NULL,
    contact_identity TEXT NOT NULL,
    enabled      INTEGER NOT NULL,
    integration_type TEXT NOT NULL,
    integration  TEXT NOT NULL,
    long_lived   INTEGER NOT NULL,
    janitor_enabled INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX flex_flows_one_enabled_handler ON flex_flows(channel_type, contact_identity) WHERE enabled = 1;
CREATE TABLE conversations (
    sid          TEXT PRIMARY KEY,
    chat_service_sid TEXT NOT NULL,
    messaging_service_sid TEXT,
    friendly_name TEXT,
    unique_name  TEXT UNIQUE,
    attributes   TEXT NOT NULL DEFAULT '{}',
    state        TEXT NOT NULL,
    timers       TEXT NOT NULL DEFAULT '{}',
    flex_flow_sid TEXT,
    next_index   INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX conversations_by_created ON conversations(created_at);
CREATE TABLE conversation_participants (
    sid          TEXT PRIMARY KEY,
    conversation_sid TEXT NOT NULL REFERENCES conversations(sid) ON DELETE CASCADE,
    identity     TEXT,
    attributes   TEXT NOT NULL DEFAULT '{}',
    binding_address TEXT,
    proxy_address TEXT,
    projected_address TEXT,
    role_sid     TEXT,
    last_read_message_index INTEGER,
    last_read_timestamp TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX participants_by_identity ON conversation_participants(conversation_sid, identity) WHERE identity IS NOT NULL;
CREATE UNIQUE INDEX participants_by_address ON conversation_participants(conversation_sid, binding_address) WHERE binding_address IS NOT NULL;
CREATE TABLE conversation_messages (
    sid          TEXT PRIMARY KEY,
    conversation_sid TEXT NOT NULL REFERENCES conversations(sid) ON DELETE CASCADE,
    idx          INTEGER NOT NULL,
    author       TEXT NOT NULL,
    body         TEXT,
    attributes   TEXT NOT NULL DEFAULT '{}',
    media        TEXT,
    participant_sid TEXT,
    external_sid TEXT UNIQUE,
    delivery     TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (conversation_sid, idx)
);
CREATE TABLE conversation_webhooks (
    sid          TEXT PRIMARY KEY,
    conversation_sid TEXT NOT NULL REFERENCES conversations(sid) ON DELETE CASCADE,
    target       TEXT NOT NULL,
    configuration TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX conversation_webhooks_by_conversation ON conversation_webhooks(conversation_sid);
CREATE TABLE channel_sessions (
    sid          TEXT PRIMARY KEY,
    flex_flow_sid TEXT NOT NULL,
    channel_type TEXT NOT NULL,
    contact      TEXT NOT NULL,
    contact_identity TEXT NOT NULL,
    conversation_sid TEXT NOT NULL,
    task_sid     TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (channel_type, contact, contact_identity)
);
CREATE INDEX channel_sessions_by_conversation ON channel_sessions(conversation_sid);
CREATE INDEX channel_sessions_by_task ON channel_sessions(task_sid);
CREATE TABLE channel_tasks (
    task_sid     TEXT PRIMARY KEY,
    conversation_sid TEXT NOT NULL,
    workspace_sid TEXT,
    ended        TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX channel_tasks_by_conversation ON channel_tasks(conversation_sid);
CREATE TABLE channel_handled_events (
    event_sid    TEXT PRIMARY KEY,
    handled_at   INTEGER NOT NULL
);
CREATE TABLE outbound_requests (
    sid          TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    url          TEXT,
    params       TEXT NOT NULL,
    conversation_sid TEXT,
    message_sid  TEXT,
    status       TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER,
    next_attempt_at INTEGER NOT NULL,
    provider_sid TEXT,
    last_error   TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX outbound_requests_due ON outbound_requests(status, next_attempt_at);
CREATE TABLE webchats (
    conversation_sid TEXT PRIMARY KEY REFERENCES conversations(sid) ON DELETE CASCADE,
    identity     TEXT NOT NULL,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE TABLE interactions (
    sid          TEXT PRIMARY KEY,
    channel      TEXT NOT NULL,
    routing      TEXT NOT NULL,
    interaction_context_sid TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE TABLE interaction_channels (
    sid          TEXT PRIMARY KEY,
    interaction_sid TEXT NOT NULL REFERENCES interactions(sid) ON DELETE CASCADE,
    type         TEXT NOT NULL,
    status       TEXT NOT NULL,
    conversation_sid TEXT,
    task_sid     TEXT,
    error_code   INTEGER,
    error_message TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX interaction_channels_by_conversation ON interaction_channels(conversation_sid);
CREATE TABLE interaction_participants (
    sid          TEXT PRIMARY KEY,
    interaction_sid TEXT NOT NULL,
    channel_sid  TEXT NOT NULL REFERENCES interaction_channels(sid) ON DELETE CASCADE,
    type         TEXT NOT NULL,
    status       TEXT,
    participant_sid TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

-- step 5: sign-in sessions of the pages (admin console, agent desktop), stored only as hashes,
-- and the agents' passwords (set by the admin per worker, stored salted and iterated)
CREATE TABLE web_sessions (
    token_hash   TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    subject      TEXT NOT NULL,
    csrf_token   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX web_sessions_by_expiry ON web_sessions(expires_at);
CREATE TABLE agent_credentials (
    worker_sid    TEXT PRIMARY KEY,
    salt          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    updated_at    INTEGER NOT NULL
);

-- step 6: TaskRouter (workspaces, activities, task channels, workers and their channels, task
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

-- step 7: voice calls the appliance answers: the carrier's CallSid, its flow execution, the task Send to Flex created and the agent it was bridged to
CREATE TABLE calls (
    sid          TEXT PRIMARY KEY,
    flow_sid     TEXT NOT NULL,
    execution_sid TEXT,
    task_sid     TEXT,
    from_address TEXT NOT NULL,
    to_address   TEXT NOT NULL,
    status       TEXT NOT NULL,
    bridged_to   TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX calls_by_task ON calls(task_sid) WHERE task_sid IS NOT NULL;

-- step 8: channels: the outbox sends each conversation's queued requests oldest first (lookup by conversation and status)
CREATE INDEX outbound_requests_by_conversation ON outbound_requests(conversation_sid, status);

-- step 9: the tasks list pages by creation time (newest or oldest first) without sorting the whole workspace (EXPLAIN QUERY PLAN showed a temp B-tree over every task)
CREATE INDEX tr_tasks_by_created ON tr_tasks(workspace_sid, created_at);

-- step 10: the admin page lists failed deliveries (event callbacks, webhooks, outbound messages) newest first; a partial index keeps them findable without scanning every event and costs other events nothing
CREATE INDEX events_failures ON events(seq) WHERE event_type IN ('webhook.failed', 'message.outbound.failed');

-- step 11: wrap-up codes (dispositions) per task queue: the codes an agent may choose (a JSON array of strings) and whether completing a task of the queue requires one
CREATE TABLE tr_dispositions (
    queue_sid    TEXT PRIMARY KEY REFERENCES tr_task_queues(sid) ON DELETE CASCADE,
    workspace_sid TEXT NOT NULL,
    codes        TEXT NOT NULL,
    required     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

-- step 12: agent automation per workspace or task queue (issue 22): auto-accept, auto-wrap-up after N seconds, the activity while wrapping and after; NULL on a queue's row inherits the workspace's
CREATE TABLE tr_automation (
    owner_sid    TEXT PRIMARY KEY,
    workspace_sid TEXT NOT NULL REFERENCES tr_workspaces(sid) ON DELETE CASCADE,
    auto_accept  INTEGER,
    auto_wrapup_seconds INTEGER,
    wrapup_activity_sid TEXT,
    after_wrapup_activity_sid TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

-- step 13: capacity rules across channels (issue 22): while a worker holds a task on `busy_channel_sid`, it is offered none on `blocked_channel_sid` (e.g. no chats during a call); `free` of tr_worker_channels honours them
CREATE TABLE tr_channel_rules (
    workspace_sid TEXT NOT NULL REFERENCES tr_workspaces(sid) ON DELETE CASCADE,
    busy_channel_sid TEXT NOT NULL REFERENCES tr_task_channels(sid) ON DELETE CASCADE,
    blocked_channel_sid TEXT NOT NULL REFERENCES tr_task_channels(sid) ON DELETE CASCADE,
    PRIMARY KEY (busy_channel_sid, blocked_channel_sid)
);
CREATE INDEX tr_channel_rules_blocked ON tr_channel_rules(blocked_channel_sid);

-- step 14: the inbound path (issue 20): a message handed to Studio is stored with its routing due in the same transaction; the commit that hands it to the execution deletes the row, so a crash between the two leaves it here, and routing resumes after a restart or when the carrier retries the webhook
CREATE TABLE inbound_routing (
    message_sid  TEXT PRIMARY KEY REFERENCES conversation_messages(sid) ON DELETE CASCADE,
    channel_type TEXT NOT NULL,
    contact      TEXT NOT NULL,
    contact_identity TEXT NOT NULL,
    flow_sid     TEXT NOT NULL,
    payload      TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX inbound_routing_by_contact ON inbound_routing(contact, contact_identity);

-- step 15: Studio runs widgets outside the store's write (issue 19): an execution's version, bumped by every save, lets the write that commits a run's effects check the execution is still as the run read it
ALTER TABLE executions ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

-- step 16: Conversations v1 resources (issue 18): users, roles and push credentials; the account's and each service's configuration documents; address configurations (an inbound address wired to Studio or a webhook); delivery receipts from the carrier's status callbacks; email bindings of a conversation; participants found by identity or address across conversations
CREATE TABLE conversation_users (
    sid          TEXT PRIMARY KEY,
    chat_service_sid TEXT NOT NULL REFERENCES conversation_services(sid) ON DELETE CASCADE,
    identity     TEXT NOT NULL,
    friendly_name TEXT,
    attributes   TEXT NOT NULL DEFAULT '{}',
    role_sid     TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (chat_service_sid, identity)
);
CREATE TABLE conversation_user_settings (
    user_sid     TEXT NOT NULL REFERENCES conversation_users(sid) ON DELETE CASCADE,
    conversation_sid TEXT NOT NULL REFERENCES conversations(sid) ON DELETE CASCADE,
    notification_level TEXT NOT NULL,
    PRIMARY KEY (user_sid, conversation_sid)
);
CREATE TABLE conversation_roles (
    sid          TEXT PRIMARY KEY,
    chat_service_sid TEXT NOT NULL REFERENCES conversation_services(sid) ON DELETE CASCADE,
    friendly_name TEXT NOT NULL,
    type         TEXT NOT NULL,
    permissions  TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (chat_service_sid, friendly_name)
);
CREATE TABLE conversation_credentials (
    sid          TEXT PRIMARY KEY,
    friendly_name TEXT,
    type         TEXT NOT NULL,
    sandbox      INTEGER NOT NULL DEFAULT 0,
    certificate  TEXT,
    private_key  TEXT,
    api_key      TEXT,
    secret       TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE TABLE conversation_settings (
    scope        TEXT NOT NULL,
    kind         TEXT NOT NULL,
    document     TEXT NOT NULL,
    updated_at   INTEGER NOT NULL,
    PRIMARY KEY (scope, kind)
);
CREATE TABLE conversation_address_configs (
    sid          TEXT PRIMARY KEY,
    type         TEXT NOT NULL,
    address      TEXT NOT NULL UNIQUE,
    friendly_name TEXT,
    auto_creation TEXT NOT NULL,
    address_country TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE TABLE message_receipts (
    outbound_sid TEXT PRIMARY KEY,
    message_sid  TEXT NOT NULL,
    status       TEXT NOT NULL,
    error_code   INTEGER,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX outbound_requests_by_message ON outbound_requests(message_sid) WHERE message_sid IS NOT NULL;
ALTER TABLE conversations ADD COLUMN bindings TEXT;
CREATE INDEX conversations_by_service ON conversations(chat_service_sid, created_at);
CREATE INDEX participants_by_identity_anywhere ON conversation_participants(identity) WHERE identity IS NOT NULL;
CREATE INDEX participants_by_address_anywhere ON conversation_participants(binding_address) WHERE binding_address IS NOT NULL;
ALTER TABLE inbound_routing ADD COLUMN trigger TEXT;

-- step 17: Flex v1 (issue 18): the Flex Configuration document, interactions' webhook_ttid, channel participants' routing properties, channel invites and transfers (the task each routed), and the chat channels made through WebChannels / Channels
CREATE TABLE flex_configuration (
    account_sid  TEXT PRIMARY KEY,
    flex_instance_sid TEXT NOT NULL,
    doc          TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
ALTER TABLE interactions ADD COLUMN webhook_ttid TEXT;
ALTER TABLE interaction_participants ADD COLUMN routing_properties TEXT;
CREATE TABLE interaction_invites (
    sid          TEXT PRIMARY KEY,
    interaction_sid TEXT NOT NULL,
    channel_sid  TEXT NOT NULL REFERENCES interaction_channels(sid) ON DELETE CASCADE,
    routing      TEXT NOT NULL,
    task_sid     TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX interaction_invites_by_channel ON interaction_invites(channel_sid, created_at);
CREATE INDEX interaction_invites_by_task ON interaction_invites(task_sid);
CREATE TABLE interaction_transfers (
    sid          TEXT PRIMARY KEY,
    interaction_sid TEXT NOT NULL,
    channel_sid  TEXT NOT NULL REFERENCES interaction_channels(sid) ON DELETE CASCADE,
    type         TEXT NOT NULL,
    status       TEXT NOT NULL,
    from_participant_sid TEXT,
    from_task_sid TEXT NOT NULL,
    from_worker_sid TEXT,
    to_target    TEXT NOT NULL,
    invite_sid   TEXT,
    task_sid     TEXT,
    note         TEXT,
    note_sid     TEXT,
    summary      TEXT,
    summary_sid  TEXT,
    accepted     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX interaction_transfers_by_task ON interaction_transfers(task_sid);
CREATE INDEX interaction_transfers_by_from_task ON interaction_transfers(from_task_sid);
CREATE INDEX interaction_transfers_by_channel ON interaction_transfers(channel_sid, status);
CREATE TABLE flex_chat_channels (
    sid          TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    flex_flow_sid TEXT NOT NULL,
    identity     TEXT NOT NULL,
    user_sid     TEXT,
    task_sid     TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX flex_chat_channels_by_kind ON flex_chat_channels(kind, created_at);

-- step 18: TaskRouter tasks (issue 18): a task's VirtualStartTime (NULL: its creation) orders it in its queue and in lists; its version is the ETag that If-Match checks, bumped by every change
ALTER TABLE tr_tasks ADD COLUMN virtual_start_time INTEGER;
ALTER TABLE tr_tasks ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

-- step 19: the agent desktop (issue 15): private notes on a conversation (agents and the admin read them, the customer never), and each office's canned responses (a shortcut picked with / in the reply box)
CREATE TABLE desk_notes (
    sid          TEXT PRIMARY KEY,
    conversation_sid TEXT NOT NULL,
    task_sid     TEXT,
    author_sid   TEXT,
    author_name  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    body         TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX desk_notes_by_conversation ON desk_notes(conversation_sid, created_at);
CREATE TABLE desk_canned_responses (
    id           INTEGER PRIMARY KEY,
    workspace_sid TEXT NOT NULL,
    shortcut     TEXT NOT NULL,
    body         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (workspace_sid, shortcut)
);

-- step 20: business hours (issue 22): named schedules, weekly hours in the office's IANA time zone, holidays and one-off closures (JSON lists, checked by src/schedules before they are stored); web_chat marks the one whose hours the customer's web chat shows
CREATE TABLE schedules (
    sid          TEXT PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    time_zone    TEXT NOT NULL,
    hours        TEXT NOT NULL DEFAULT '[]',
    holidays     TEXT NOT NULL DEFAULT '[]',
    closures     TEXT NOT NULL DEFAULT '[]',
    web_chat     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

-- step 21: callbacks that keep their place in line (issue 22): a caller who asked to be called back (or left a voicemail) while waiting; one per call, keyed by the callback task, whose VirtualStartTime is the original call's start; the carrier call the agent placed back, or the carrier's refusal
CREATE TABLE callbacks (
    task_sid      TEXT PRIMARY KEY,
    call_sid      TEXT NOT NULL UNIQUE,
    workspace_sid TEXT NOT NULL,
    kind          TEXT NOT NULL,
    number        TEXT NOT NULL,
    office_number TEXT NOT NULL DEFAULT '',
    recording_url TEXT,
    recording_sid TEXT,
    recording_duration INTEGER,
    original_task_sid TEXT,
    original_start INTEGER NOT NULL,
    status        TEXT NOT NULL,
    error         TEXT,
    dial_call_sid TEXT,
    worker_sid    TEXT,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX callbacks_by_created ON callbacks(created_at);

-- step 22: parked conversations (issue 22): an agent parks a messaging conversation waiting for the customer; its task ends and the agent is freed, the conversation and its sessions stay open, and the customer's next message makes a new task from what was parked (the same agent first); one row per park, the open one has no unparked_at
CREATE TABLE parked_conversations (
    sid             TEXT PRIMARY KEY,
    conversation_sid TEXT NOT NULL,
    task_sid        TEXT NOT NULL,
    workspace_sid   TEXT NOT NULL,
    workflow_sid    TEXT,
    task_channel    TEXT NOT NULL,
    priority        INTEGER NOT NULL,
    attributes      TEXT NOT NULL,
    worker_sid      TEXT,
    reason          TEXT,
    parked_at       INTEGER NOT NULL,
    unparked_at     INTEGER,
    new_task_sid    TEXT
);
CREATE UNIQUE INDEX parked_conversations_open ON parked_conversations(conversation_sid) WHERE unparked_at IS NULL;
CREATE INDEX parked_conversations_by_conversation ON parked_conversations(conversation_sid, parked_at);

-- step 23: task history for the console's reports and conversation search (issue 17): one row per TaskRouter task, kept after the task itself is deleted (its TTL), written with each task event in the transaction that appends it (routing::history, from payload::emit); the report index covers every column a report reads, so a month is one index range
CREATE TABLE tr_task_history (
    task_sid     TEXT PRIMARY KEY,
    workspace_sid TEXT NOT NULL,
    queue_sid    TEXT,
    channel      TEXT,
    conversation_sid TEXT,
    execution_sid TEXT,
    note         TEXT,
    worker_sid   TEXT,
    reservations TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    answered_at  INTEGER,
    wrapup_at    INTEGER,
    ended_at     INTEGER,
    outcome      TEXT,
    wrapup_code  TEXT
);
CREATE INDEX tr_task_history_report ON tr_task_history(workspace_sid, created_at, queue_sid, worker_sid, answered_at, wrapup_at, ended_at, outcome, wrapup_code);
CREATE INDEX tr_task_history_by_conversation ON tr_task_history(conversation_sid) WHERE conversation_sid IS NOT NULL;

-- step 24: console users and roles, and the audit log (issue 17 item 4): admins, supervisors and agents with their own passwords (salted, iterated like agent_credentials), invited by an admin through a one-time code (only its hash kept, with its expiry); an agent user is a TaskRouter worker (worker_sid) whose desk password the invite sets. The audit log keeps who changed which flow, workflow, queue, worker, user or setting and when, with the names as they were
CREATE TABLE console_users (
    sid           TEXT PRIMARY KEY,
    login         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    status        TEXT NOT NULL,
    worker_sid    TEXT,
    salt          TEXT,
    password_hash TEXT,
    invite_hash   TEXT UNIQUE,
    invite_expires_at INTEGER,
    created_by    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE TABLE audit_log (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    at            INTEGER NOT NULL,
    actor_sid     TEXT NOT NULL,
    actor_name    TEXT NOT NULL,
    action        TEXT NOT NULL,
    kind          TEXT NOT NULL,
    resource_sid  TEXT,
    resource_name TEXT,
    details       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_by_actor ON audit_log(actor_sid, seq);
CREATE INDEX audit_log_by_kind ON audit_log(kind, seq);
CREATE INDEX audit_log_by_resource ON audit_log(resource_sid, seq) WHERE resource_sid IS NOT NULL;
-- step 25: report rollups (issue 17 item 3): what each task of tr_task_history adds to its queue's and its agent's quarter hour of creation (Unix ms / 900000, so a report in any time zone whose offset is a multiple of 15 minutes sums whole slots), kept in the transaction that changes the history row (routing::history: the row's contribution before and after); sla_met is judged when the task is first answered, against its queue's service level threshold then (Flex Configuration queue_stats_configuration, as Flex's queue stats do); rows from before this step are backfilled with Flex's default 60 s
ALTER TABLE tr_task_history ADD COLUMN sla_met INTEGER;
UPDATE tr_task_history SET sla_met = (answered_at - created_at) <= 60000 WHERE answered_at IS NOT NULL;
CREATE TABLE tr_report_slots (
    workspace_sid TEXT NOT NULL,
    by_worker    INTEGER NOT NULL,
    subject      TEXT NOT NULL,
    slot         INTEGER NOT NULL,
    offered      INTEGER NOT NULL DEFAULT 0,
    handled      INTEGER NOT NULL DEFAULT 0,
    abandoned    INTEGER NOT NULL DEFAULT 0,
    within_sla   INTEGER NOT NULL DEFAULT 0,
    wait_ms      INTEGER NOT NULL DEFAULT 0,
    handle_n     INTEGER NOT NULL DEFAULT 0,
    handle_ms    INTEGER NOT NULL DEFAULT 0,
    wrap_n       INTEGER NOT NULL DEFAULT 0,
    wrap_ms      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_sid, by_worker, slot, subject)
) WITHOUT ROWID;
CREATE TABLE tr_report_codes (
    workspace_sid TEXT NOT NULL,
    by_worker    INTEGER NOT NULL,
    subject      TEXT NOT NULL,
    slot         INTEGER NOT NULL,
    code         TEXT NOT NULL,
    tasks        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (workspace_sid, by_worker, slot, subject, code)
) WITHOUT ROWID;
INSERT INTO tr_report_slots (workspace_sid, by_worker, subject, slot, offered, handled, abandoned,
        within_sla, wait_ms, handle_n, handle_ms, wrap_n, wrap_ms)
    SELECT workspace_sid, 0, COALESCE(queue_sid, ''), created_at / 900000, COUNT(*),
        COUNT(answered_at), SUM(answered_at IS NULL AND ended_at IS NOT NULL), SUM(sla_met IS 1),
        TOTAL(answered_at - created_at), SUM(answered_at IS NOT NULL AND ended_at IS NOT NULL),
        TOTAL(CASE WHEN answered_at IS NOT NULL THEN ended_at - answered_at END),
        SUM(answered_at IS NOT NULL AND wrapup_at IS NOT NULL AND ended_at IS NOT NULL),
        TOTAL(CASE WHEN answered_at IS NOT NULL AND wrapup_at IS NOT NULL THEN ended_at - wrapup_at END)
    FROM tr_task_history GROUP BY 1, 3, 4;
INSERT INTO tr_report_slots (workspace_sid, by_worker, subject, slot, offered, handled, abandoned,
        within_sla, wait_ms, handle_n, handle_ms, wrap_n, wrap_ms)
    SELECT workspace_sid, 1, worker_sid, created_at / 900000, 0,
        COUNT(answered_at), 0, SUM(sla_met IS 1),
        TOTAL(answered_at - created_at), SUM(answered_at IS NOT NULL AND ended_at IS NOT NULL),
        TOTAL(CASE WHEN answered_at IS NOT NULL THEN ended_at - answered_at END),
        SUM(answered_at IS NOT NULL AND wrapup_at IS NOT NULL AND ended_at IS NOT NULL),
        TOTAL(CASE WHEN answered_at IS NOT NULL AND wrapup_at IS NOT NULL THEN ended_at - wrapup_at END)
    FROM tr_task_history WHERE worker_sid IS NOT NULL GROUP BY 1, 3, 4;
INSERT INTO tr_report_codes (workspace_sid, by_worker, subject, slot, code, tasks)
    SELECT workspace_sid, 0, COALESCE(queue_sid, ''), created_at / 900000, wrapup_code, COUNT(*)
    FROM tr_task_history WHERE wrapup_code IS NOT NULL GROUP BY 1, 3, 4, 5;
INSERT INTO tr_report_codes (workspace_sid, by_worker, subject, slot, code, tasks)
    SELECT workspace_sid, 1, worker_sid, created_at / 900000, wrapup_code, COUNT(*)
    FROM tr_task_history WHERE wrapup_code IS NOT NULL AND worker_sid IS NOT NULL GROUP BY 1, 3, 4, 5;

-- step 26: Api 2010 Messages and Calls (issue 18 item 6): what an integration texted or rang through /2010-04-01/Accounts/{AC}/Messages.json and Calls.json; each is carried to the carrier by an outbox row (outbound_sid) and moved through its states by the carrier's status callbacks (or the simulated carrier when none is configured); status_callback is the caller's URL, told of each state
CREATE TABLE api_messages (
    sid          TEXT PRIMARY KEY,
    from_address TEXT NOT NULL,
    to_address   TEXT NOT NULL,
    body         TEXT NOT NULL,
    media_urls   TEXT NOT NULL DEFAULT '[]',
    messaging_service_sid TEXT,
    status       TEXT NOT NULL,
    error_code   INTEGER,
    error_message TEXT,
    status_callback TEXT,
    outbound_sid TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    sent_at      INTEGER
);
CREATE INDEX api_messages_created ON api_messages(created_at);
CREATE TABLE api_calls (
    sid          TEXT PRIMARY KEY,
    from_address TEXT NOT NULL,
    to_address   TEXT NOT NULL,
    status       TEXT NOT NULL,
    url          TEXT,
    method       TEXT NOT NULL DEFAULT 'POST',
    twiml        TEXT,
    status_callback TEXT,
    status_callback_events TEXT NOT NULL DEFAULT '["completed"]',
    provider_sid TEXT,
    answered_by  TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    start_at     INTEGER,
    end_at       INTEGER
);
CREATE INDEX api_calls_created ON api_calls(created_at);
-- step 27: report rollups read one row per slot (issue 17 item 3): the wrap-up code counts move into tr_report_slots.codes (a JSON object, code → tasks, NULL for none), so an agents report of a month over a million tasks reads 144,000 rows instead of 720,000
ALTER TABLE tr_report_slots ADD COLUMN codes TEXT;
UPDATE tr_report_slots SET codes = (
    SELECT NULLIF(json_group_object(c.code, c.tasks), '{}') FROM tr_report_codes c
    WHERE c.workspace_sid = tr_report_slots.workspace_sid AND c.by_worker = tr_report_slots.by_worker
      AND c.slot = tr_report_slots.slot AND c.subject = tr_report_slots.subject AND c.tasks != 0);
DROP TABLE tr_report_codes;

-- step 28: Studio test runs (issue 16 item 1): an admin chats with one revision of a flow (a draft, say) from the canvas without publishing it; the run's conversation has no session or Flex Flow, so no customer's message or agent queue reaches it; the engine starts the contact's executions on the pinned revision. executions_by_contact finds a test contact's executions, ended ones too, for the run's steps
CREATE TABLE studio_test_runs (
    conversation_sid TEXT PRIMARY KEY,
    flow_sid TEXT NOT NULL REFERENCES flows(sid) ON DELETE CASCADE,
    revision INTEGER NOT NULL,
    contact TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    ended_at INTEGER
);
CREATE INDEX executions_by_contact ON executions(contact, created_at);
