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

-- step 3: sign-in sessions of the pages (admin console, agent desktop), stored only as hashes,
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
