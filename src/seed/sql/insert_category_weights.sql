-- Category weights for mathematics in every class of school $1.
-- $1 school (schools.id)
INSERT INTO category_weights (school_id, class_id, subject_id, category_id, weight)
 SELECT DISTINCT ta.school_id, ta.class_id, ta.subject_id, ac.id, w.weight
   FROM teacher_assignments ta JOIN subjects sub ON sub.id = ta.subject_id AND sub.name = 'Mathematics'
   JOIN assessment_categories ac ON ac.school_id = ta.school_id
   JOIN (VALUES ('Test', 40), ('Exam', 20), ('Assignment', 25), ('Quiz', 15)) AS w(name, weight) ON w.name = ac.name
  WHERE ta.school_id = $1
