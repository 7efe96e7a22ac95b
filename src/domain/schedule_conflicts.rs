//! Which booked appointments a schedule change would strand: new hours they no longer fit in,
//! time off they fall into, a practitioner who stops working. Changes are never refused for
//! this (the clinic may really be closing); the console lists them and asks for a confirmation.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, Utc};
use chrono_tz::Tz;

use crate::domain::hours::WeeklyHours;
use crate::domain::time::local_parts;

/// A booked (or checked-in) appointment that has not ended yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Booked {
    pub id: i32,
    pub practitioner_id: i32,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The end plus the treatment's buffer: the practitioner is held until then.
    pub blocks_until: DateTime<Utc>,
}

/// Whether [start, end) lies inside one interval of the hours on its local day. The buffer may
/// run past closing, as it may when booking (`availability::free_slots` checks the end only).
pub fn fits_hours(tz: Tz, hours: &WeeklyHours, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
    let (date, start_minute) = local_parts(tz, start);
    let (end_date, end_minute) = local_parts(tz, end);
    let end_minute = if end_date == date {
        end_minute
    } else if end_minute == 0 && end_date == date + Duration::days(1) {
        24 * 60
    } else {
        // Across local midnight: no opening hours can hold it.
        return false;
    };
    hours
        .on(date.weekday())
        .iter()
        .any(|r| r.start <= start_minute && end_minute <= r.end)
}

/// Appointments that would fall outside `hours` (read in zone `tz`).
pub fn outside_hours(tz: Tz, hours: &WeeklyHours, booked: &[Booked]) -> Vec<i32> {
    booked
        .iter()
        .filter(|b| !fits_hours(tz, hours, b.start, b.end))
        .map(|b| b.id)
        .collect()
}

/// Appointments that hold their practitioner during [from, to): the same test the booking
/// check applies against time off (the buffer counts, since nothing may start in it either).
pub fn during(from: DateTime<Utc>, to: DateTime<Utc>, booked: &[Booked]) -> Vec<i32> {
    booked
        .iter()
        .filter(|b| b.start < to && from < b.blocks_until)
        .map(|b| b.id)
        .collect()
}

/// The confirmation covers what the person saw: if more conflicts appeared since (a booking
/// came in between the two posts), they must see those too before the change is saved.
pub fn confirmed(seen: &BTreeSet<i32>, now: &[i32]) -> bool {
    now.iter().all(|id| seen.contains(id))
}

/// The `seen` list a confirmation form sends back: "12,15".
pub fn parse_seen(s: &str) -> BTreeSet<i32> {
    s.split(',').filter_map(|x| x.trim().parse().ok()).collect()
}

pub fn seen_value(ids: &[i32]) -> String {
    ids.iter().map(i32::to_string).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::hours::MinuteRange;
    use chrono::Weekday;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn appt(id: i32, start: &str, minutes: i64) -> Booked {
        let start = t(start);
        Booked {
            id,
            practitioner_id: 1,
            start,
            end: start + Duration::minutes(minutes),
            blocks_until: start + Duration::minutes(minutes + 15),
        }
    }

    #[test]
    fn finds_appointments_outside_new_hours() {
        let tz: Tz = "Europe/London".parse().unwrap();
        let mut hours = WeeklyHours::default();
        // Tuesdays 09:00–13:00 only (London is UTC+1 in June).
        hours.add(Weekday::Tue, MinuteRange::new(540, 780).unwrap());
        let booked = [
            appt(1, "2030-06-04T08:00:00Z", 45), // Tue 09:00–09:45: fits
            appt(2, "2030-06-04T11:30:00Z", 45), // Tue 12:30–13:15: runs past 13:00
            appt(3, "2030-06-03T09:00:00Z", 45), // Monday: closed now
            appt(4, "2030-06-04T11:15:00Z", 45), // Tue 12:15–13:00: ends at closing, fits
        ];
        assert_eq!(outside_hours(tz, &hours, &booked), vec![2, 3]);
    }

    #[test]
    fn an_appointment_ending_at_midnight_fits_hours_to_midnight() {
        let tz: Tz = "UTC".parse().unwrap();
        let mut hours = WeeklyHours::default();
        hours.add(Weekday::Tue, MinuteRange::new(1200, 1440).unwrap());
        assert!(fits_hours(
            tz,
            &hours,
            t("2030-06-04T23:00:00Z"),
            t("2030-06-05T00:00:00Z")
        ));
        assert!(!fits_hours(
            tz,
            &hours,
            t("2030-06-04T23:30:00Z"),
            t("2030-06-05T00:30:00Z")
        ));
    }

    #[test]
    fn time_off_catches_the_buffer_too() {
        let booked = [
            appt(1, "2030-06-04T08:00:00Z", 45),
            appt(2, "2030-06-04T10:00:00Z", 45),
        ];
        // From 08:50: the first appointment's session is over but its buffer runs to 09:00.
        assert_eq!(
            during(
                t("2030-06-04T08:50:00Z"),
                t("2030-06-04T09:30:00Z"),
                &booked
            ),
            vec![1]
        );
        assert!(
            during(
                t("2030-06-04T09:00:00Z"),
                t("2030-06-04T10:00:00Z"),
                &booked
            )
            .is_empty()
        );
    }

    #[test]
    fn confirmation_covers_only_what_was_seen() {
        let seen = parse_seen("3, 5,x");
        assert!(confirmed(&seen, &[3, 5]));
        assert!(confirmed(&seen, &[5]));
        assert!(!confirmed(&seen, &[3, 5, 8]));
        assert_eq!(seen_value(&[3, 5]), "3,5");
    }
}
