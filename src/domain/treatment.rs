//! The treatment catalog and who may perform what.

use super::money::Currency;
use std::collections::BTreeSet;

/// A qualification a practitioner holds and a treatment may require.
pub type Qualification = String;

/// Parses a stored comma-separated list ("nurse,physician") into a set.
pub fn parse_qualifications(s: &str) -> BTreeSet<Qualification> {
    s.split(',')
        .map(|q| q.trim().to_ascii_lowercase())
        .filter(|q| !q.is_empty())
        .collect()
}

/// A practitioner may perform a treatment when they hold any one of the qualifications it
/// accepts (laser resurfacing accepts only "physician"). A treatment that names none is open to all.
pub fn may_perform(held: &BTreeSet<Qualification>, accepted: &BTreeSet<Qualification>) -> bool {
    accepted.is_empty() || held.intersection(accepted).next().is_some()
}

/// "£100–£500", from whole cents, in the clinic's currency.
pub fn price_range_label(currency: Currency, min_cents: i32, max_cents: i32) -> String {
    currency.range(min_cents, max_cents)
}

/// "1 h 30 min"
pub fn duration_label(minutes: i32) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_prices_like_the_article() {
        use crate::domain::money::USD;
        assert_eq!(price_range_label(USD, 10_000, 50_000), "$100–$500");
        assert_eq!(price_range_label(USD, 200_000, 500_000), "$2,000–$5,000");
        assert_eq!(price_range_label(USD, 15_050, 15_050), "$150.50");
    }

    #[test]
    fn laser_needs_a_physician() {
        let accepted = parse_qualifications("physician");
        assert!(may_perform(&parse_qualifications("physician"), &accepted));
        assert!(!may_perform(
            &parse_qualifications("nurse, esthetician"),
            &accepted
        ));
        assert!(may_perform(
            &parse_qualifications("nurse"),
            &parse_qualifications("")
        ));
    }

    #[test]
    fn labels_durations() {
        assert_eq!(duration_label(45), "45 min");
        assert_eq!(duration_label(90), "1 h 30 min");
        assert_eq!(duration_label(120), "2 h");
    }
}
