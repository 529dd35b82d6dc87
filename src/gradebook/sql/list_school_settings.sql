-- Each school's gradebook settings as the settings page shows them (school $1, or every
-- school when NULL: a district has a handful), by name: the rules, the bands highest first as
-- "A:90,B:80,…", the categories separated by U+001F, and the early-warning thresholds as text.
-- $1 school (schools.id), NULL for every school
SELECT s.id, s.name, s.missing_counts_as_zero, s.parents_see_class_average, s.parents_see_behaviour,
       COALESCE((SELECT string_agg(g.letter || ':' || trim_scale(g.min_percent)::text, ',' ORDER BY g.min_percent DESC)
                   FROM grade_bands g WHERE g.school_id = s.id), '') AS bands,
       COALESCE((SELECT string_agg(ac.name, E'\x1f' ORDER BY ac.position, ac.name)
                   FROM assessment_categories ac WHERE ac.school_id = s.id), '') AS assessment_categories,
       COALESCE((SELECT string_agg(bc.name || ' (' || bc.kind || ')', E'\x1f' ORDER BY bc.kind DESC, bc.position, bc.name)
                   FROM behaviour_categories bc WHERE bc.school_id = s.id), '') AS behaviour_categories,
       trim_scale(s.risk_attendance_below)::text AS risk_attendance_below,
       trim_scale(s.risk_average_below)::text AS risk_average_below,
       s.risk_negative_records::text AS risk_negative_records,
       s.risk_absence_streak::text AS risk_absence_streak,
       trim_scale(s.high_average_from)::text AS high_average_from,
       trim_scale(s.high_attendance_from)::text AS high_attendance_from
  FROM schools s
 WHERE $1::bigint IS NULL OR s.id = $1
 ORDER BY s.name
