// The same schema on both backends (migrations/sqlite and migrations/postgres); written by hand
// because `diesel print-schema` would give each backend its own types.

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
    }
}

diesel::table! {
    appointments (id) {
        id -> Integer,
        token -> Text,
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
    }
}

diesel::joinable!(practitioner_hours -> practitioners (practitioner_id));
diesel::joinable!(time_off -> practitioners (practitioner_id));
diesel::joinable!(appointments -> patients (patient_id));
diesel::joinable!(appointments -> treatments (treatment_id));
diesel::joinable!(appointments -> practitioners (practitioner_id));

diesel::allow_tables_to_appear_in_same_query!(
    clinics,
    clinic_hours,
    treatments,
    practitioners,
    practitioner_hours,
    time_off,
    patients,
    appointments,
);
