DROP TABLE report_comments, participation, behaviour_records, behaviour_categories, score_changes,
    scores, assessments, grade_bands, category_weights, assessment_categories;
ALTER TABLE schools DROP COLUMN missing_counts_as_zero, DROP COLUMN parents_see_class_average,
    DROP COLUMN parents_see_behaviour;
