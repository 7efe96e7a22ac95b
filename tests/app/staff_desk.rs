//! Tests of the schedule views, appointment actions, patients and phone bookings.
