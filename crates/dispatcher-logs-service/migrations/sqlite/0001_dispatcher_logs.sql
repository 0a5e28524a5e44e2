-- Charging sub-sessions (the subset the API embeds) and their dispatcher logs.
-- Times are microseconds since the Unix epoch, UTC.
CREATE TABLE charging_sub_sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL,
    start_us INTEGER NOT NULL,
    end_us INTEGER,
    mode TEXT NOT NULL,
    energy_delivered_watt_hours REAL NOT NULL,
    location TEXT NOT NULL,
    cost INTEGER,
    currency TEXT NOT NULL,
    total_co2_grams REAL NOT NULL,
    duration_minutes INTEGER NOT NULL
);

CREATE INDEX charging_sub_sessions_by_user ON charging_sub_sessions (user_id);

CREATE TABLE dispatcher_logs (
    id INTEGER PRIMARY KEY,
    charging_sub_session_id TEXT NOT NULL REFERENCES charging_sub_sessions (id),
    logged_at_us INTEGER NOT NULL,
    schedule_valid_period_start_us INTEGER NOT NULL,
    schedule_created_at_us INTEGER NOT NULL,
    internal_command_id TEXT NOT NULL,
    device_type TEXT NOT NULL CHECK (device_type IN ('EVSE', 'VEHICLE')),
    reason_not_sent TEXT
);

-- The one query: one sub-session, a time window, newest first.
CREATE INDEX dispatcher_logs_by_sub_session_time
    ON dispatcher_logs (charging_sub_session_id, logged_at_us DESC);
