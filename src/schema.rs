// @generated automatically by Diesel CLI.

diesel::table! {
    absence_reasons (id) {
        id -> Int8,
        school_id -> Int8,
        attendance_id -> Int8,
        student_id -> Int8,
        parent_id -> Int8,
        reason -> Text,
        status -> Text,
        created_at -> Timestamptz,
        decided_by -> Nullable<Int8>,
        decided_at -> Nullable<Timestamptz>,
        response -> Text,
    }
}

diesel::table! {
    academic_years (id) {
        id -> Int8,
        school_id -> Int8,
        name -> Text,
        starts_on -> Date,
        ends_on -> Date,
    }
}

diesel::table! {
    assessment_categories (id) {
        id -> Int8,
        school_id -> Int8,
        name -> Text,
        position -> Int2,
    }
}

diesel::table! {
    assessments (id) {
        id -> Int8,
        school_id -> Int8,
        class_id -> Int8,
        subject_id -> Int8,
        term_id -> Int8,
        category_id -> Int8,
        title -> Text,
        date -> Date,
        max_score -> Numeric,
        published -> Bool,
        archived -> Bool,
        version -> Int4,
        created_by -> Nullable<Int8>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    attendance (id) {
        id -> Int8,
        school_id -> Int8,
        class_id -> Int8,
        student_id -> Int8,
        date -> Date,
        code_id -> Int8,
        late_minutes -> Nullable<Int2>,
        note -> Text,
        version -> Int4,
        source -> Text,
        updated_by -> Nullable<Int8>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    attendance_changes (id) {
        id -> Int8,
        attendance_id -> Int8,
        school_id -> Int8,
        changed_by -> Nullable<Int8>,
        changed_at -> Timestamptz,
        source -> Text,
        from_code_id -> Nullable<Int8>,
        to_code_id -> Int8,
        from_note -> Nullable<Text>,
        to_note -> Text,
        version -> Int4,
    }
}

diesel::table! {
    attendance_codes (id) {
        id -> Int8,
        school_id -> Int8,
        code -> Text,
        label -> Text,
        category -> Text,
        teacher_usable -> Bool,
        position -> Int2,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Int8,
        at -> Timestamptz,
        actor_id -> Nullable<Int8>,
        ip -> Nullable<Text>,
        school_id -> Nullable<Int8>,
        action -> Text,
        entity -> Text,
        entity_id -> Nullable<Int8>,
        before -> Nullable<Jsonb>,
        after -> Nullable<Jsonb>,
    }
}

diesel::table! {
    behaviour_categories (id) {
        id -> Int8,
        school_id -> Int8,
        name -> Text,
        kind -> Text,
        position -> Int2,
    }
}

diesel::table! {
    behaviour_records (id) {
        id -> Int8,
        school_id -> Int8,
        student_id -> Int8,
        class_id -> Int8,
        category_id -> Int8,
        kind -> Text,
        date -> Date,
        note -> Text,
        recorded_by -> Nullable<Int8>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    category_weights (id) {
        id -> Int8,
        school_id -> Int8,
        class_id -> Int8,
        subject_id -> Int8,
        category_id -> Int8,
        weight -> Numeric,
    }
}

diesel::table! {
    classes (id) {
        id -> Int8,
        school_id -> Int8,
        academic_year_id -> Int8,
        name -> Text,
        grade_level -> Text,
        homeroom_teacher_id -> Nullable<Int8>,
    }
}

diesel::table! {
    cover_assignments (id) {
        id -> Int8,
        school_id -> Int8,
        teacher_id -> Int8,
        class_id -> Int8,
        starts_on -> Date,
        ends_on -> Date,
        note -> Text,
    }
}

diesel::table! {
    districts (id) {
        id -> Int8,
        name -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    emergency_contacts (id) {
        id -> Int8,
        school_id -> Int8,
        student_id -> Int8,
        position -> Int2,
        name -> Text,
        relationship -> Text,
        phone -> Text,
    }
}

diesel::table! {
    enrolments (id) {
        id -> Int8,
        school_id -> Int8,
        student_id -> Int8,
        class_id -> Int8,
        starts_on -> Date,
        ends_on -> Nullable<Date>,
    }
}

diesel::table! {
    grade_bands (id) {
        id -> Int8,
        school_id -> Int8,
        letter -> Text,
        min_percent -> Numeric,
    }
}

diesel::table! {
    guardians (id) {
        id -> Int8,
        school_id -> Int8,
        student_id -> Int8,
        position -> Int2,
        name -> Text,
        relationship -> Text,
        phone -> Text,
        email -> Text,
    }
}

diesel::table! {
    imports (id) {
        id -> Int8,
        school_id -> Int8,
        kind -> Text,
        uploaded_by -> Int8,
        filename -> Text,
        content -> Text,
        created_at -> Timestamptz,
        status -> Text,
        committed_at -> Nullable<Timestamptz>,
        summary -> Nullable<Jsonb>,
    }
}

diesel::table! {
    insight_refreshes (id) {
        id -> Int8,
        refreshed_at -> Timestamptz,
        took_ms -> Int4,
    }
}

diesel::table! {
    login_events (id) {
        id -> Int8,
        at -> Timestamptz,
        user_id -> Nullable<Int8>,
        email -> Text,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        outcome -> Text,
    }
}

diesel::table! {
    non_school_days (id) {
        id -> Int8,
        school_id -> Int8,
        starts_on -> Date,
        ends_on -> Date,
        name -> Text,
        kind -> Text,
    }
}

diesel::table! {
    outbox_emails (id) {
        id -> Int8,
        created_at -> Timestamptz,
        school_id -> Nullable<Int8>,
        kind -> Text,
        to_address -> Text,
        subject -> Text,
        body_text -> Text,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamptz>,
        dedupe_key -> Nullable<Text>,
    }
}

diesel::table! {
    parent_students (parent_id, student_id) {
        parent_id -> Int8,
        student_id -> Int8,
        relationship -> Text,
        may_view -> Bool,
        receives_notifications -> Bool,
    }
}

diesel::table! {
    participation (id) {
        id -> Int8,
        school_id -> Int8,
        student_id -> Int8,
        class_id -> Int8,
        event -> Text,
        date -> Date,
        status -> Text,
        remarks -> Text,
        recorded_by -> Nullable<Int8>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    password_tokens (id) {
        id -> Int8,
        user_id -> Int8,
        token_hash -> Text,
        purpose -> Text,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    report_comments (id) {
        id -> Int8,
        school_id -> Int8,
        student_id -> Int8,
        term_id -> Int8,
        comment -> Text,
        version -> Int4,
        updated_by -> Nullable<Int8>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    school_insight (school_id) {
        school_id -> Int8,
        students -> Int4,
        teachers -> Int4,
        classes -> Int4,
        classes_with_students -> Int4,
        average_sum -> Float8,
        average_count -> Int4,
        high_performers -> Int4,
        at_risk -> Int4,
        class_options -> Text,
    }
}

diesel::table! {
    school_subject_insight (school_id, subject, letter) {
        school_id -> Int8,
        subject -> Text,
        letter -> Text,
        band_min -> Float8,
        students -> Int4,
        average_sum -> Float8,
    }
}

diesel::table! {
    school_week_insight (school_id, week) {
        school_id -> Int8,
        week -> Date,
        attended -> Int4,
        counted -> Int4,
        score_sum -> Float8,
        score_count -> Int4,
    }
}

diesel::table! {
    schools (id) {
        id -> Int8,
        district_id -> Int8,
        name -> Text,
        timezone -> Text,
        weekend_days -> Array<Nullable<Int2>>,
        created_at -> Timestamptz,
        edit_window_days -> Int4,
        missing_counts_as_zero -> Bool,
        parents_see_class_average -> Bool,
        parents_see_behaviour -> Bool,
        risk_attendance_below -> Numeric,
        risk_average_below -> Numeric,
        risk_negative_records -> Int2,
        risk_absence_streak -> Int2,
        high_average_from -> Numeric,
        high_attendance_from -> Numeric,
    }
}

diesel::table! {
    score_changes (id) {
        id -> Int8,
        score_id -> Int8,
        school_id -> Int8,
        changed_by -> Nullable<Int8>,
        changed_at -> Timestamptz,
        from_status -> Nullable<Text>,
        from_score -> Nullable<Numeric>,
        to_status -> Text,
        to_score -> Nullable<Numeric>,
        version -> Int4,
    }
}

diesel::table! {
    score_grids (assessment_id) {
        assessment_id -> Int8,
        student_ids -> Array<Nullable<Int8>>,
        scores -> Array<Nullable<Numeric>>,
        stamps -> Array<Nullable<Int8>>,
    }
}

diesel::table! {
    scores (id) {
        id -> Int8,
        school_id -> Int8,
        assessment_id -> Int8,
        student_id -> Int8,
        status -> Text,
        score -> Nullable<Numeric>,
        comment -> Text,
        version -> Int4,
        updated_by -> Nullable<Int8>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        public_id -> Text,
        user_id -> Nullable<Int8>,
        auth_version -> Nullable<Int4>,
        state -> Jsonb,
        created_at -> Timestamptz,
        last_seen_at -> Timestamptz,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
    }
}

diesel::table! {
    student_insight (student_id) {
        student_id -> Int8,
        school_id -> Int8,
        term_id -> Int8,
        present -> Int4,
        late -> Int4,
        absent -> Int4,
        excused -> Int4,
        attendance_rate -> Nullable<Float8>,
        overall_average -> Nullable<Float8>,
        negative_30d -> Int4,
        absence_streak -> Int4,
        name -> Text,
        student_number -> Text,
        class_id -> Nullable<Int8>,
        class_name -> Nullable<Text>,
        grade_level -> Nullable<Text>,
        at_risk -> Bool,
        high_performer -> Bool,
        attendance_flag -> Nullable<Bool>,
    }
}

diesel::table! {
    student_subject_insight (student_id, subject_id) {
        student_id -> Int8,
        subject_id -> Int8,
        school_id -> Int8,
        average -> Nullable<Float8>,
    }
}

diesel::table! {
    students (id) {
        id -> Int8,
        school_id -> Int8,
        student_number -> Text,
        given_name -> Text,
        family_name -> Text,
        preferred_name -> Nullable<Text>,
        date_of_birth -> Nullable<Date>,
        gender -> Nullable<Text>,
        status -> Text,
        enrolled_on -> Nullable<Date>,
        medical_notes -> Text,
        allergies -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    subjects (id) {
        id -> Int8,
        school_id -> Int8,
        name -> Text,
    }
}

diesel::table! {
    teacher_assignments (id) {
        id -> Int8,
        school_id -> Int8,
        teacher_id -> Int8,
        class_id -> Int8,
        subject_id -> Int8,
    }
}

diesel::table! {
    terms (id) {
        id -> Int8,
        school_id -> Int8,
        academic_year_id -> Int8,
        name -> Text,
        starts_on -> Date,
        ends_on -> Date,
    }
}

diesel::table! {
    users (id) {
        id -> Int8,
        email -> Text,
        display_name -> Text,
        role -> Text,
        school_id -> Nullable<Int8>,
        phone -> Nullable<Text>,
        password_hash -> Nullable<Text>,
        active -> Bool,
        auth_version -> Int4,
        failed_logins -> Int4,
        locked_until -> Nullable<Timestamptz>,
        last_login_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(absence_reasons -> attendance (attendance_id));
diesel::joinable!(absence_reasons -> schools (school_id));
diesel::joinable!(absence_reasons -> students (student_id));
diesel::joinable!(academic_years -> schools (school_id));
diesel::joinable!(assessment_categories -> schools (school_id));
diesel::joinable!(assessments -> assessment_categories (category_id));
diesel::joinable!(assessments -> classes (class_id));
diesel::joinable!(assessments -> schools (school_id));
diesel::joinable!(assessments -> subjects (subject_id));
diesel::joinable!(assessments -> terms (term_id));
diesel::joinable!(assessments -> users (created_by));
diesel::joinable!(attendance -> attendance_codes (code_id));
diesel::joinable!(attendance -> classes (class_id));
diesel::joinable!(attendance -> schools (school_id));
diesel::joinable!(attendance -> students (student_id));
diesel::joinable!(attendance -> users (updated_by));
diesel::joinable!(attendance_changes -> attendance (attendance_id));
diesel::joinable!(attendance_changes -> users (changed_by));
diesel::joinable!(attendance_codes -> schools (school_id));
diesel::joinable!(audit_log -> schools (school_id));
diesel::joinable!(audit_log -> users (actor_id));
diesel::joinable!(behaviour_categories -> schools (school_id));
diesel::joinable!(behaviour_records -> behaviour_categories (category_id));
diesel::joinable!(behaviour_records -> classes (class_id));
diesel::joinable!(behaviour_records -> schools (school_id));
diesel::joinable!(behaviour_records -> students (student_id));
diesel::joinable!(behaviour_records -> users (recorded_by));
diesel::joinable!(category_weights -> assessment_categories (category_id));
diesel::joinable!(category_weights -> classes (class_id));
diesel::joinable!(category_weights -> schools (school_id));
diesel::joinable!(category_weights -> subjects (subject_id));
diesel::joinable!(classes -> academic_years (academic_year_id));
diesel::joinable!(classes -> schools (school_id));
diesel::joinable!(classes -> users (homeroom_teacher_id));
diesel::joinable!(cover_assignments -> classes (class_id));
diesel::joinable!(cover_assignments -> schools (school_id));
diesel::joinable!(cover_assignments -> users (teacher_id));
diesel::joinable!(emergency_contacts -> schools (school_id));
diesel::joinable!(emergency_contacts -> students (student_id));
diesel::joinable!(enrolments -> classes (class_id));
diesel::joinable!(enrolments -> schools (school_id));
diesel::joinable!(enrolments -> students (student_id));
diesel::joinable!(grade_bands -> schools (school_id));
diesel::joinable!(guardians -> schools (school_id));
diesel::joinable!(guardians -> students (student_id));
diesel::joinable!(imports -> schools (school_id));
diesel::joinable!(imports -> users (uploaded_by));
diesel::joinable!(login_events -> users (user_id));
diesel::joinable!(non_school_days -> schools (school_id));
diesel::joinable!(outbox_emails -> schools (school_id));
diesel::joinable!(parent_students -> students (student_id));
diesel::joinable!(parent_students -> users (parent_id));
diesel::joinable!(participation -> classes (class_id));
diesel::joinable!(participation -> schools (school_id));
diesel::joinable!(participation -> students (student_id));
diesel::joinable!(participation -> users (recorded_by));
diesel::joinable!(password_tokens -> users (user_id));
diesel::joinable!(report_comments -> schools (school_id));
diesel::joinable!(report_comments -> students (student_id));
diesel::joinable!(report_comments -> terms (term_id));
diesel::joinable!(report_comments -> users (updated_by));
diesel::joinable!(school_insight -> schools (school_id));
diesel::joinable!(school_subject_insight -> schools (school_id));
diesel::joinable!(school_week_insight -> schools (school_id));
diesel::joinable!(schools -> districts (district_id));
diesel::joinable!(score_grids -> assessments (assessment_id));
diesel::joinable!(score_changes -> schools (school_id));
diesel::joinable!(score_changes -> scores (score_id));
diesel::joinable!(score_changes -> users (changed_by));
diesel::joinable!(scores -> assessments (assessment_id));
diesel::joinable!(scores -> schools (school_id));
diesel::joinable!(scores -> students (student_id));
diesel::joinable!(scores -> users (updated_by));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(student_insight -> schools (school_id));
diesel::joinable!(student_insight -> students (student_id));
diesel::joinable!(student_insight -> terms (term_id));
diesel::joinable!(student_subject_insight -> schools (school_id));
diesel::joinable!(student_subject_insight -> students (student_id));
diesel::joinable!(student_subject_insight -> subjects (subject_id));
diesel::joinable!(students -> schools (school_id));
diesel::joinable!(subjects -> schools (school_id));
diesel::joinable!(teacher_assignments -> classes (class_id));
diesel::joinable!(teacher_assignments -> schools (school_id));
diesel::joinable!(teacher_assignments -> subjects (subject_id));
diesel::joinable!(teacher_assignments -> users (teacher_id));
diesel::joinable!(terms -> academic_years (academic_year_id));
diesel::joinable!(terms -> schools (school_id));
diesel::joinable!(users -> schools (school_id));

diesel::allow_tables_to_appear_in_same_query!(
    absence_reasons,
    academic_years,
    assessment_categories,
    assessments,
    attendance,
    attendance_changes,
    attendance_codes,
    audit_log,
    behaviour_categories,
    behaviour_records,
    category_weights,
    classes,
    cover_assignments,
    districts,
    emergency_contacts,
    enrolments,
    grade_bands,
    guardians,
    imports,
    insight_refreshes,
    login_events,
    non_school_days,
    outbox_emails,
    parent_students,
    participation,
    password_tokens,
    report_comments,
    school_insight,
    school_subject_insight,
    school_week_insight,
    schools,
    score_changes,
    score_grids,
    scores,
    sessions,
    student_insight,
    student_subject_insight,
    students,
    subjects,
    teacher_assignments,
    terms,
    users,
);
