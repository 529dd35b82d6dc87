DROP TRIGGER users_deleted_notice ON users;
DROP TRIGGER users_notice ON users;
DROP TRIGGER sessions_notice ON sessions;
DROP FUNCTION rollbook_session_notice();
