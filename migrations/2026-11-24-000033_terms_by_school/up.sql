-- A school's current term (the latest that has begun) is looked up on nearly every page: the
-- gradebook, the parent's pages, the dashboards. Terms were indexed only by academic year, so
-- each look-up read every term of every school; a district keeps its terms year after year.
CREATE INDEX terms_school_starts_idx ON terms (school_id, starts_on);
