//! The clinic's settings form: contact details, time zone, opening hours and booking rules.

use chrono_tz::Tz;

use crate::domain::errors::FieldErrors;
use crate::domain::hours::WeeklyHours;
use crate::domain::input::{parse_int_in, parse_line};
use crate::domain::money::Currency;
use crate::domain::patient::{EmailAddress, Phone};
use crate::domain::working_week::WeekInput;

#[derive(Debug, Clone, Default)]
pub struct SettingsInput {
    pub name: String,
    pub address: String,
    pub phone: String,
    pub email: String,
    pub timezone: String,
    pub slot_minutes: String,
    pub lead_time_minutes: String,
    pub horizon_days: String,
    pub cancel_cutoff_hours: String,
    /// Blank keeps what the clinic has.
    pub max_active_bookings: String,
    /// Where patients' replies go; blank: the clinic's email.
    pub reply_to: String,
    /// What patients should do when the clinic is closed; blank says nothing.
    pub out_of_hours: String,
    /// ISO 4217 code; blank keeps what the clinic has.
    pub currency: String,
    /// Waiting patients one freed time is offered to (issue 11); blank keeps what the clinic has.
    pub waitlist_offers: String,
    /// Hours an offer can be claimed after its email went out; blank keeps.
    pub waitlist_claim_hours: String,
    pub week: WeekInput,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ClinicSettings {
    pub name: String,
    pub address: String,
    pub phone: String,
    pub email: String,
    pub tz: Tz,
    pub slot_minutes: i32,
    pub lead_time_minutes: i32,
    pub horizon_days: i32,
    pub cancel_cutoff_hours: i32,
    /// Upcoming bookings one patient email may hold online; `None` keeps the current value.
    pub max_active_bookings: Option<i32>,
    pub reply_to: Option<String>,
    pub out_of_hours: String,
    /// `None` keeps the current currency.
    pub currency: Option<Currency>,
    /// `None` keeps the current value.
    pub waitlist_offers: Option<i32>,
    /// `None` keeps the current value.
    pub waitlist_claim_hours: Option<i32>,
    pub hours: WeeklyHours,
}

/// An IANA zone name ("Europe/London"), as chrono-tz knows them.
pub fn parse_timezone(s: &str) -> Result<Tz, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("Enter the clinic's time zone, e.g. Europe/London.".into());
    }
    s.parse::<Tz>().map_err(|_| {
        format!("\"{s}\" is not a known IANA time zone; use a name like Europe/London or America/New_York.")
    })
}

/// The slot grid must tile the hour (or whole hours), as CAREPATH_SLOT_MINUTES must: otherwise
/// slots would start at different minutes past each hour.
pub fn parse_slot_minutes(s: &str) -> Result<i32, String> {
    let message = "Use minutes that divide an hour (5, 10, 15, 20, 30 or 60) or 120.";
    let n = parse_int_in(s, 5..=120, "minutes").map_err(|_| message.to_string())?;
    if 60 % n == 0 || n % 60 == 0 {
        Ok(n)
    } else {
        Err(message.into())
    }
}

impl SettingsInput {
    pub fn parse(&self) -> Result<ClinicSettings, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = e.take("name", parse_line(&self.name, 100, "the clinic's name"));
        let address = e.take("address", parse_line(&self.address, 200, "the address"));
        let phone = e.take(
            "phone",
            match Phone::parse_optional(&self.phone) {
                Ok(Some(p)) => Ok(p.as_str().to_string()),
                Ok(None) => {
                    Err("Enter the clinic's phone number: patients are told to call it.".into())
                }
                Err(m) => Err(m),
            },
        );
        let email = e.take(
            "email",
            EmailAddress::parse(&self.email).map(|a| a.as_str().to_string()),
        );
        let tz = e.take("timezone", parse_timezone(&self.timezone));
        let slot = e.take("slot_minutes", parse_slot_minutes(&self.slot_minutes));
        let lead = e.take(
            "lead_time_minutes",
            parse_int_in(&self.lead_time_minutes, 0..=43_200, "minutes"),
        );
        // The bound CAREPATH_HORIZON_DAYS has, so a seeded value can always be saved again.
        let horizon = e.take(
            "horizon_days",
            parse_int_in(&self.horizon_days, 1..=3650, "days"),
        );
        let cutoff = e.take(
            "cancel_cutoff_hours",
            parse_int_in(&self.cancel_cutoff_hours, 0..=8760, "hours"),
        );
        let max_active = e.take(
            "max_active_bookings",
            if self.max_active_bookings.trim().is_empty() {
                Ok(None)
            } else {
                parse_int_in(&self.max_active_bookings, 1..=1000, "bookings").map(Some)
            },
        );
        let reply_to = e.take(
            "reply_to",
            if self.reply_to.trim().is_empty() {
                Ok(None)
            } else {
                EmailAddress::parse(&self.reply_to).map(|a| Some(a.as_str().to_string()))
            },
        );
        let out_of_hours = e.take(
            "out_of_hours",
            if self.out_of_hours.trim().is_empty() {
                Ok(String::new())
            } else {
                parse_line(&self.out_of_hours, 300, "what to do out of hours")
            },
        );
        let currency = e.take(
            "currency",
            if self.currency.trim().is_empty() {
                Ok(None)
            } else {
                Currency::parse(&self.currency).map(Some)
            },
        );
        let optional = |s: &str, range: std::ops::RangeInclusive<i32>, unit: &str| {
            if s.trim().is_empty() {
                Ok(None)
            } else {
                parse_int_in(s, range, unit).map(Some)
            }
        };
        let waitlist_offers = e.take(
            "waitlist_offers",
            optional(&self.waitlist_offers, 1..=20, "patients"),
        );
        let waitlist_claim_hours = e.take(
            "waitlist_claim_hours",
            optional(&self.waitlist_claim_hours, 1..=72, "hours"),
        );
        let hours = match self.week.parse() {
            Ok(h) => Some(h),
            Err(days) => {
                for (k, v) in days.iter() {
                    e.add(k, v.clone());
                }
                None
            }
        };
        match (
            name,
            address,
            phone,
            email,
            tz,
            slot,
            lead,
            horizon,
            cutoff,
            hours,
            max_active,
            (reply_to, out_of_hours, currency),
            (waitlist_offers, waitlist_claim_hours),
        ) {
            (
                Some(name),
                Some(address),
                Some(phone),
                Some(email),
                Some(tz),
                Some(slot_minutes),
                Some(lead_time_minutes),
                Some(horizon_days),
                Some(cancel_cutoff_hours),
                Some(hours),
                Some(max_active_bookings),
                (Some(reply_to), Some(out_of_hours), Some(currency)),
                (Some(waitlist_offers), Some(waitlist_claim_hours)),
            ) if e.is_empty() => Ok(ClinicSettings {
                waitlist_offers,
                waitlist_claim_hours,
                name,
                address,
                phone,
                email,
                tz,
                slot_minutes,
                lead_time_minutes,
                horizon_days,
                cancel_cutoff_hours,
                max_active_bookings,
                reply_to,
                out_of_hours,
                currency,
                hours,
            }),
            _ => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::working_week::IntervalInput;

    fn valid() -> SettingsInput {
        let mut week = WeekInput::default();
        week.days[0][0] = IntervalInput {
            from: "09:00".into(),
            to: "17:00".into(),
        };
        SettingsInput {
            name: "Clinic".into(),
            address: "1 Road".into(),
            phone: "+1 212 555 0100".into(),
            email: "desk@clinic.example".into(),
            timezone: "America/New_York".into(),
            slot_minutes: "15".into(),
            lead_time_minutes: "60".into(),
            horizon_days: "90".into(),
            cancel_cutoff_hours: "24".into(),
            max_active_bookings: "4".into(),
            reply_to: String::new(),
            out_of_hours: "Out of hours, call 911 in an emergency.".into(),
            currency: "usd".into(),
            waitlist_offers: "3".into(),
            waitlist_claim_hours: String::new(),
            week,
        }
    }

    #[test]
    fn valid_settings() {
        let s = valid().parse().unwrap();
        assert_eq!(s.tz, chrono_tz::America::New_York);
        assert_eq!(s.hours.on(chrono::Weekday::Mon).len(), 1);
    }

    #[test]
    fn each_mistake_is_named() {
        let mut s = valid();
        s.timezone = "Mars/Olympus".into();
        s.email = "nope".into();
        s.slot_minutes = "0".into();
        s.horizon_days = "".into();
        s.phone = "".into();
        s.week.days[2][0] = IntervalInput {
            from: "10:00".into(),
            to: "".into(),
        };
        let e = s.parse().unwrap_err();
        for f in [
            "timezone",
            "email",
            "slot_minutes",
            "horizon_days",
            "phone",
            "d2",
        ] {
            assert!(e.get(f).is_some(), "{f} should be refused");
        }
        assert!(e.get("timezone").unwrap().contains("IANA"));
    }

    #[test]
    fn slot_grids_tile_the_hour() {
        for ok in ["5", "10", "15", "20", "30", "60", "120"] {
            assert!(parse_slot_minutes(ok).is_ok(), "{ok}");
        }
        for bad in ["0", "7", "25", "90", "240", "x"] {
            assert!(parse_slot_minutes(bad).is_err(), "{bad}");
        }
    }
}
