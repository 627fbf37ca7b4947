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

-- step 4: sign-in sessions of the pages (admin console, agent desktop), stored only as hashes,
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
