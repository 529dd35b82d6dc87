DROP FUNCTION rollbook_teaches(bigint, bigint, date);
DROP FUNCTION rollbook_current_term(bigint, date);
DROP FUNCTION rollbook_chronic(float8, bigint, numeric, bigint);
DROP FUNCTION rollbook_attendance_rate(bigint, bigint, bigint);
DROP FUNCTION rollbook_enrolled_on(date, date, date);
