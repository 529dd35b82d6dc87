-- Whether each summary row is at risk or a high performer under its school's thresholds, kept by
-- the refresh and recomputed in the same transaction as a threshold change, so the lists read
-- only their own rows through partial indexes.
ALTER TABLE student_insight
    ADD COLUMN at_risk BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN high_performer BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX student_insight_at_risk_idx ON student_insight (school_id, name, student_id) WHERE at_risk;
CREATE INDEX student_insight_at_risk_district_idx ON student_insight (name, student_id) WHERE at_risk;
CREATE INDEX student_insight_high_idx ON student_insight (school_id, name, student_id) WHERE high_performer;
CREATE INDEX student_insight_high_district_idx ON student_insight (name, student_id) WHERE high_performer;
