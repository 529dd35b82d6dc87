-- Each school's line of the district's attendance, term to date, from the insight summaries:
-- its students with a rate below the school's threshold, those on a streak of its length (the
-- two halves of rollbook_chronic: the rate with no streak, the streak with no rate), and the
-- parents' reasons waiting for its office. `attendance_flag` (rollbook_chronic, kept by the
-- refresh) is the predicate of a partial index.
-- (no parameters)
WITH f AS (
    SELECT i.school_id, i.attendance_rate / 100 AS rate, i.absence_streak AS streak
      FROM student_insight i
     WHERE i.attendance_flag)
SELECT s.id, s.name,
       count(f.school_id) FILTER (WHERE rollbook_chronic(f.rate, 0, s.risk_attendance_below, s.risk_absence_streak)) AS chronic,
       count(f.school_id) FILTER (WHERE rollbook_chronic(NULL, f.streak, s.risk_attendance_below, s.risk_absence_streak)) AS streaks,
       (SELECT count(*) FROM absence_reasons r WHERE r.school_id = s.id AND r.status = 'pending') AS reasons
  FROM schools s LEFT JOIN f ON f.school_id = s.id
 GROUP BY s.id
 ORDER BY s.name, s.id
