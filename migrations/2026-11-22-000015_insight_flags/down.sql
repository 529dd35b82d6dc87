DROP INDEX student_insight_high_district_idx;
DROP INDEX student_insight_high_idx;
DROP INDEX student_insight_at_risk_district_idx;
DROP INDEX student_insight_at_risk_idx;
ALTER TABLE student_insight DROP COLUMN high_performer, DROP COLUMN at_risk;
