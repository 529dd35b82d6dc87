-- A register save appends one history row per changed mark, and PostgreSQL checks every foreign
-- key of every appended row with a query of its own: five per row, 150 for a register of 30,
-- about a quarter of the save's database time. Three of the five guard nothing that the save
-- does not already guarantee:
--   * school_id is the saved mark's own school (the mark's row references schools);
--   * to_code_id is the code just written to the mark (checked by attendance's own key);
--   * from_code_id is the code the mark had before (checked when that was written).
-- Rollbook never deletes a school or an attendance code (an admin can only stop teachers using a
-- code), so the history cannot come to point at a missing one. The keys that do work stay: attendance_id
-- (history goes with its mark) and changed_by (SET NULL when an account is deleted).
ALTER TABLE attendance_changes
    DROP CONSTRAINT attendance_changes_school_id_fkey,
    DROP CONSTRAINT attendance_changes_from_code_id_fkey,
    DROP CONSTRAINT attendance_changes_to_code_id_fkey;
