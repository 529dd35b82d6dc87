-- Servers keep recently loaded sessions in memory for safe (GET) requests. Whatever could make
-- such a copy stale is announced on the channel every pooled connection listens on, in the same
-- transaction as the change: a session's state rewritten or its row deleted (sign-out, revoked,
-- expired), and a user's name, email, role, school, status or credentials changed. A listening
-- connection hears a committed notice before the answer to its next statement, so a server
-- learns of it in the first database job that begins after the change. The payload is the
-- trigger's argument (`s:` for a session, `u:` for a user) followed by the row's id.

CREATE FUNCTION rollbook_session_notice() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('rollbook_sessions', TG_ARGV[0] || OLD.id);
    RETURN NULL;
END $$;

CREATE TRIGGER sessions_notice
    AFTER UPDATE OF state, user_id, auth_version OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION rollbook_session_notice('s:');

CREATE TRIGGER users_notice
    AFTER UPDATE OF email, display_name, role, school_id, active, auth_version ON users
    FOR EACH ROW
    WHEN (OLD.email IS DISTINCT FROM NEW.email OR OLD.display_name IS DISTINCT FROM NEW.display_name
          OR OLD.role IS DISTINCT FROM NEW.role OR OLD.school_id IS DISTINCT FROM NEW.school_id
          OR OLD.active IS DISTINCT FROM NEW.active OR OLD.auth_version IS DISTINCT FROM NEW.auth_version)
    EXECUTE FUNCTION rollbook_session_notice('u:');

CREATE TRIGGER users_deleted_notice
    AFTER DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION rollbook_session_notice('u:');
