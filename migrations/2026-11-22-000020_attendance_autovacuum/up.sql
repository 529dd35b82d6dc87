-- At district size (millions of marks) the default autovacuum thresholds (20% of the table)
-- let hundreds of thousands of changed marks pile up before a vacuum, and until then the pages
-- they touched are not all-visible: reads of a child's year by the covering student index
-- (migration 19) go back to the heap. Vacuum after about 1% instead, for changes and for new
-- registers alike.
ALTER TABLE attendance SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_insert_scale_factor = 0.01);
