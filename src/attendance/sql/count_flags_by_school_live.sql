-- Each school's line of the district's attendance over [from, to], counted live from the marks:
-- its students with a rate below the school's threshold, those on a streak of its length (the
-- two halves of rollbook_chronic: the rate with no streak, the streak with no rate), and the
-- parents' reasons waiting for its office.
-- $1 from   $2 to
WITH marks AS (
    SELECT a.student_id, a.date, ac.category
      FROM attendance a JOIN attendance_codes ac ON ac.id = a.code_id
     WHERE a.date BETWEEN $1 AND $2),
days AS (
    -- One category per student and day (the worst, if several classes took a register).
    SELECT student_id, date, bool_and(category = 'absent') AS absent
      FROM marks GROUP BY student_id, date),
streaks AS (
    SELECT student_id, count(*) AS streak FROM (
        SELECT student_id, absent,
               sum(CASE WHEN absent THEN 0 ELSE 1 END) OVER (PARTITION BY student_id ORDER BY date DESC) AS breaks
          FROM days) d
     WHERE breaks = 0 GROUP BY student_id),
counts AS (
    SELECT student_id,
           count(*) FILTER (WHERE category = 'present') AS present,
           count(*) FILTER (WHERE category = 'late') AS late,
           count(*) FILTER (WHERE category = 'absent') AS absent,
           count(*) FILTER (WHERE category = 'excused') AS excused
      FROM marks GROUP BY student_id),
f AS (
    SELECT st.school_id, rollbook_attendance_rate(c.present, c.late, c.absent) AS rate,
           COALESCE(s.streak, 0) AS streak
      FROM students st
      JOIN schools sc ON sc.id = st.school_id
      LEFT JOIN counts c ON c.student_id = st.id
      LEFT JOIN streaks s ON s.student_id = st.id
     WHERE st.status = 'active'
       AND rollbook_chronic(rollbook_attendance_rate(c.present, c.late, c.absent), s.streak,
                            sc.risk_attendance_below, sc.risk_absence_streak))
SELECT s.id, s.name,
       count(f.school_id) FILTER (WHERE rollbook_chronic(f.rate, 0, s.risk_attendance_below, s.risk_absence_streak)) AS chronic,
       count(f.school_id) FILTER (WHERE rollbook_chronic(NULL, f.streak, s.risk_attendance_below, s.risk_absence_streak)) AS streaks,
       (SELECT count(*) FROM absence_reasons r WHERE r.school_id = s.id AND r.status = 'pending') AS reasons
  FROM schools s LEFT JOIN f ON f.school_id = s.id
 GROUP BY s.id
 ORDER BY s.name, s.id
