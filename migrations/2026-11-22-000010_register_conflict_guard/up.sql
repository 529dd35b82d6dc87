-- Aborts the statement that calls it: a register save uses it to undo itself, whole, when another
-- save created one of its marks between its read and its write.
CREATE FUNCTION rollbook_raise_conflict() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RAISE EXCEPTION 'rollbook: conflicting mark';
END
$$;
