//! The same schema on both backends (migrations/sqlite and migrations/postgres); written by hand
//! because `diesel print-schema` would give each backend its own types.

diesel::table! {
    clinics (id) {
        id -> Integer,
        name -> Text,
        address -> Text,
        phone -> Text,
        email -> Text,
        timezone -> Text,
        slot_minutes -> Integer,
        lead_time_minutes -> Integer,
        horizon_days -> Integer,
        cancel_cutoff_hours -> Integer,
        created_at -> Timestamp,
        mail_window_start -> Integer,
        mail_window_end -> Integer,
        max_active_bookings -> Integer,
        reply_to -> Text,
        out_of_hours -> Text,
        currency -> Text,
        unclosed_summary_on -> Text,
    }
}

diesel::table! {
    clinic_hours (id) {
        id -> Integer,
        weekday -> Integer,
        open_minute -> Integer,
        close_minute -> Integer,
    }
}

diesel::table! {
    treatments (id) {
        id -> Integer,
        slug -> Text,
        name -> Text,
        summary -> Text,
        description -> Text,
        during_session -> Text,
        recovery -> Text,
        sessions_note -> Text,
        duration_minutes -> Integer,
        buffer_minutes -> Integer,
        price_min_cents -> Integer,
        price_max_cents -> Integer,
        qualifications -> Text,
        active -> Bool,
        position -> Integer,
    }
}

diesel::table! {
    practitioners (id) {
        id -> Integer,
        name -> Text,
        title -> Text,
        qualifications -> Text,
        bio -> Text,
        active -> Bool,
        booking_seq -> Integer,
        calendar_token_hash -> Nullable<Text>,
    }
}

diesel::table! {
    practitioner_hours (id) {
        id -> Integer,
        practitioner_id -> Integer,
        weekday -> Integer,
        start_minute -> Integer,
        end_minute -> Integer,
    }
}

diesel::table! {
    time_off (id) {
        id -> Integer,
        practitioner_id -> Integer,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        reason -> Text,
    }
}

diesel::table! {
    patients (id) {
        id -> Integer,
        name -> Text,
        email -> Text,
        email_normalized -> Text,
        phone -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        followups_opt_out -> Bool,
        erased_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    privacy_settings (id) {
        id -> Integer,
        notice_text -> Nullable<Text>,
        patient_retention_days -> Nullable<Integer>,
        audit_retention_days -> Nullable<Integer>,
        session_retention_days -> Integer,
        updated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    appointments (id) {
        id -> Integer,
        token_hash -> Text,
        patient_id -> Integer,
        treatment_id -> Integer,
        practitioner_id -> Integer,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        blocks_until -> Timestamp,
        status -> Text,
        patient_note -> Nullable<Text>,
        cancel_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        checked_in_at -> Nullable<Timestamp>,
        completed_at -> Nullable<Timestamp>,
        booked_by -> Text,
        contact_name -> Text,
        contact_phone -> Nullable<Text>,
        contact_email -> Text,
        contact_kept_apart -> Bool,
        ics_sequence -> Integer,
    }
}

diesel::table! {
    staff_users (id) {
        id -> Integer,
        email -> Text,
        name -> Text,
        role -> Text,
        practitioner_id -> Nullable<Integer>,
        password_hash -> Text,
        must_change_password -> Bool,
        active -> Bool,
        failed_logins -> Integer,
        locked_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        password_expires_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    staff_sessions (session_key) {
        session_key -> Text,
        state -> Text,
        staff_id -> Nullable<Integer>,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    app_secrets (name) {
        name -> Text,
        value -> Text,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Integer,
        at -> Timestamp,
        actor_kind -> Text,
        actor_id -> Nullable<Integer>,
        actor_label -> Text,
        action -> Text,
        subject_kind -> Text,
        subject_id -> Nullable<Integer>,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    appointment_notes (id) {
        id -> Integer,
        appointment_id -> Integer,
        staff_id -> Integer,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    care_plan_steps (id) {
        id -> Integer,
        treatment_id -> Integer,
        position -> Integer,
        kind -> Text,
        anchor -> Text,
        offset_minutes -> Integer,
        subject -> Text,
        body -> Text,
        active -> Bool,
        updated_at -> Timestamp,
        late_body -> Text,
    }
}

diesel::table! {
    outbox (id) {
        id -> Integer,
        appointment_id -> Integer,
        step_id -> Nullable<Integer>,
        kind -> Text,
        dedupe_key -> Text,
        recipient -> Text,
        due_at -> Timestamp,
        status -> Text,
        attempts -> Integer,
        last_error -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        leased_by -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        smtp_reply -> Nullable<Text>,
        message_id -> Text,
        note -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    link_tokens (token_hash) {
        token_hash -> Text,
        purpose -> Text,
        appointment_id -> Nullable<Integer>,
        patient_id -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    catalog_version (id) {
        id -> Integer,
        stamp -> Text,
        version -> BigInt,
    }
}

diesel::joinable!(care_plan_steps -> treatments (treatment_id));
diesel::joinable!(outbox -> appointments (appointment_id));
diesel::joinable!(outbox -> care_plan_steps (step_id));
diesel::joinable!(appointment_notes -> appointments (appointment_id));
diesel::joinable!(appointment_notes -> staff_users (staff_id));
diesel::joinable!(staff_users -> practitioners (practitioner_id));
diesel::joinable!(practitioner_hours -> practitioners (practitioner_id));
diesel::joinable!(time_off -> practitioners (practitioner_id));
diesel::joinable!(appointments -> patients (patient_id));
diesel::joinable!(link_tokens -> appointments (appointment_id));
diesel::joinable!(link_tokens -> patients (patient_id));
diesel::joinable!(appointments -> treatments (treatment_id));
diesel::joinable!(appointments -> practitioners (practitioner_id));

diesel::table! {
    resources (id) {
        id -> Integer,
        name -> Text,
        kind -> Text,
        active -> Bool,
    }
}

diesel::table! {
    treatment_resource_kinds (id) {
        id -> Integer,
        treatment_id -> Integer,
        kind -> Text,
    }
}

diesel::table! {
    appointment_resources (id) {
        id -> Integer,
        appointment_id -> Integer,
        resource_id -> Integer,
        starts_at -> Timestamp,
        blocks_until -> Timestamp,
        active -> Bool,
    }
}

diesel::table! {
    resource_hours (id) {
        id -> Integer,
        resource_id -> Integer,
        weekday -> Integer,
        start_minute -> Integer,
        end_minute -> Integer,
    }
}

diesel::joinable!(resource_hours -> resources (resource_id));
diesel::joinable!(appointment_resources -> resources (resource_id));
diesel::joinable!(appointment_resources -> appointments (appointment_id));
diesel::joinable!(treatment_resource_kinds -> treatments (treatment_id));

diesel::table! {
    course_plans (id) {
        id -> Integer,
        treatment_id -> Integer,
        sessions -> Integer,
        min_interval_days -> Integer,
        max_interval_days -> Integer,
    }
}

diesel::table! {
    courses (id) {
        id -> Integer,
        patient_id -> Integer,
        treatment_id -> Integer,
        sessions_planned -> Integer,
        status -> Text,
        created_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    course_sessions (id) {
        id -> Integer,
        course_id -> Integer,
        appointment_id -> Integer,
    }
}

diesel::joinable!(course_sessions -> courses (course_id));
diesel::joinable!(course_sessions -> appointments (appointment_id));
diesel::joinable!(course_plans -> treatments (treatment_id));

diesel::allow_tables_to_appear_in_same_query!(
    course_plans,
    courses,
    course_sessions,
    resources,
    resource_hours,
    treatment_resource_kinds,
    appointment_resources,
    clinics,
    clinic_hours,
    treatments,
    practitioners,
    practitioner_hours,
    time_off,
    patients,
    appointments,
    staff_users,
    staff_sessions,
    app_secrets,
    audit_log,
    appointment_notes,
    care_plan_steps,
    outbox,
    privacy_settings,
    link_tokens,
    catalog_version,
);

// Clinical safety (issue 10): versioned screening questions and consent texts, what each
// appointment answered and agreed, consultation requirements and records.

diesel::table! {
    screening_questions (id) {
        id -> Integer,
        treatment_id -> Integer,
        question_key -> Text,
        version -> Integer,
        position -> Integer,
        text -> Text,
        effect -> Text,
        created_at -> Timestamp,
        retired_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    screening_answers (id) {
        id -> Integer,
        appointment_id -> Integer,
        question_id -> Integer,
        answer -> Bool,
        answered_at -> Timestamp,
    }
}

diesel::table! {
    appointment_screening (appointment_id) {
        appointment_id -> Integer,
        status -> Text,
        flag -> Nullable<Text>,
        flagged_at -> Nullable<Timestamp>,
        reviewed_at -> Nullable<Timestamp>,
        reviewed_by -> Nullable<Integer>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    consent_texts (id) {
        id -> Integer,
        treatment_id -> Integer,
        version -> Integer,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    consent_records (id) {
        id -> Integer,
        appointment_id -> Integer,
        consent_text_id -> Integer,
        agreed_at -> Timestamp,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
    }
}

diesel::table! {
    treatment_requirements (treatment_id) {
        treatment_id -> Integer,
        is_consultation -> Bool,
        consultation_months -> Nullable<Integer>,
    }
}

diesel::table! {
    consultations (id) {
        id -> Integer,
        patient_id -> Integer,
        kind -> Text,
        done_at -> Timestamp,
        appointment_id -> Nullable<Integer>,
        cleared_treatment_id -> Nullable<Integer>,
        recorded_by -> Nullable<Integer>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    care_plan_step_conditions (step_id) {
        step_id -> Integer,
        question_key -> Text,
    }
}

diesel::joinable!(screening_answers -> screening_questions (question_id));
diesel::joinable!(consent_records -> consent_texts (consent_text_id));

diesel::allow_tables_to_appear_in_same_query!(
    screening_questions,
    screening_answers,
    appointment_screening,
    consent_texts,
    consent_records,
    treatment_requirements,
    consultations,
    care_plan_step_conditions,
);
