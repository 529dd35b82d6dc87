-- School $1's early-warning thresholds.
-- $1 school (schools.id)   $2 attendance below (%)   $3 average below (%)
-- $4 negative records   $5 absence streak (days)   $6 high average from (%)
-- $7 high attendance from (%)
UPDATE schools
   SET risk_attendance_below = $2::numeric(5,2), risk_average_below = $3::numeric(5,2),
       risk_negative_records = $4::smallint, risk_absence_streak = $5::smallint,
       high_average_from = $6::numeric(5,2), high_attendance_from = $7::numeric(5,2)
 WHERE id = $1
