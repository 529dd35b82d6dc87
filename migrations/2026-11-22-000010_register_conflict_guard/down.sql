DROP FUNCTION rollbook_raise_conflict();
