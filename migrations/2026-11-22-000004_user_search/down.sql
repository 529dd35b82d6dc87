DROP INDEX users_name_order_idx;
DROP INDEX users_email_trgm_idx;
DROP INDEX users_display_name_trgm_idx;
