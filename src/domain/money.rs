//! Prices in the clinic's currency (ISO 4217): as staff type them, as they are stored (whole
//! hundredths of the unit, "cents"), and as pages and emails show them ("£1,500").

/// A currency the clinic may price in: its ISO 4217 code, the symbol shown before amounts and
/// its name for form labels. All of them have two decimal places.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Currency {
    pub code: &'static str,
    pub symbol: &'static str,
    pub name: &'static str,
}

pub const GBP: Currency = Currency {
    code: "GBP",
    symbol: "£",
    name: "pounds",
};
pub const USD: Currency = Currency {
    code: "USD",
    symbol: "$",
    name: "US dollars",
};

/// The currencies the settings form accepts.
pub const CURRENCIES: &[Currency] = &[
    GBP,
    USD,
    Currency {
        code: "EUR",
        symbol: "€",
        name: "euros",
    },
    Currency {
        code: "CAD",
        symbol: "CA$",
        name: "Canadian dollars",
    },
    Currency {
        code: "AUD",
        symbol: "A$",
        name: "Australian dollars",
    },
    Currency {
        code: "NZD",
        symbol: "NZ$",
        name: "New Zealand dollars",
    },
    Currency {
        code: "CHF",
        symbol: "CHF ",
        name: "Swiss francs",
    },
    Currency {
        code: "SGD",
        symbol: "S$",
        name: "Singapore dollars",
    },
    Currency {
        code: "HKD",
        symbol: "HK$",
        name: "Hong Kong dollars",
    },
    Currency {
        code: "ZAR",
        symbol: "R",
        name: "rand",
    },
    Currency {
        code: "INR",
        symbol: "₹",
        name: "rupees",
    },
];

impl Currency {
    /// An ISO 4217 code from the list ("gbp" is fine), or a message naming the codes accepted.
    pub fn parse(code: &str) -> Result<Currency, String> {
        let code = code.trim().to_ascii_uppercase();
        CURRENCIES
            .iter()
            .find(|c| c.code == code)
            .copied()
            .ok_or_else(|| {
                let known: Vec<&str> = CURRENCIES.iter().map(|c| c.code).collect();
                format!(
                    "Choose the currency by its ISO 4217 code, one of: {}.",
                    known.join(", ")
                )
            })
    }

    /// "£1,500" or "£149.50", from whole cents.
    pub fn format(&self, cents: i32) -> String {
        let whole = cents / 100;
        let mut digits = whole.to_string();
        let mut out = String::new();
        while digits.len() > 3 {
            let tail = digits.split_off(digits.len() - 3);
            out = format!(",{tail}{out}");
        }
        let frac = cents % 100;
        if frac == 0 {
            format!("{}{digits}{out}", self.symbol)
        } else {
            format!("{}{digits}{out}.{frac:02}", self.symbol)
        }
    }

    /// "£100–£500" (or one amount when both ends are the same).
    pub fn range(&self, min_cents: i32, max_cents: i32) -> String {
        if min_cents == max_cents {
            self.format(min_cents)
        } else {
            format!("{}–{}", self.format(min_cents), self.format(max_cents))
        }
    }
}

/// The most a treatment may cost, in whole units: keeps cents well inside an i32.
pub const MAX_UNITS: i64 = 1_000_000;

/// "150", "150.5", "£1,500.00" → cents. Refuses negative amounts, more than two decimals and
/// anything above `MAX_UNITS`.
pub fn parse_amount(s: &str, currency: Currency) -> Result<i32, String> {
    let bad = || {
        format!(
            "Enter an amount in {} ({}), e.g. 150 or 149.50.",
            currency.name, currency.code
        )
    };
    let too_much = || format!("At most {} per session.", currency.format(100_000_000));
    let s = s.trim();
    let s = s
        .strip_prefix(currency.symbol.trim())
        .or_else(|| s.strip_prefix(currency.code))
        .unwrap_or(s)
        .trim();
    if s.is_empty() {
        return Err(bad());
    }
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, f),
        None => (s, ""),
    };
    // Thousands separators are fine only between groups of three digits ("1,500", not "15,00").
    let groups: Vec<&str> = whole.split(',').collect();
    let grouped_ok = groups.len() == 1
        || (!groups[0].is_empty()
            && groups[0].len() <= 3
            && groups[1..].iter().all(|g| g.len() == 3));
    let digits: String = groups.concat();
    if !grouped_ok
        || digits.is_empty()
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 2
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || (s.contains('.') && frac.is_empty())
    {
        return Err(bad());
    }
    if digits.len() > 9 {
        return Err(too_much());
    }
    let units: i64 = digits.parse().map_err(|_| bad())?;
    let cents_part: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().map_err(|_| bad())? * 10,
        _ => frac.parse().map_err(|_| bad())?,
    };
    let cents = units * 100 + cents_part;
    if cents > MAX_UNITS * 100 {
        return Err(too_much());
    }
    i32::try_from(cents).map_err(|_| bad())
}

/// Cents → the value an input shows: "150" or "149.50" (no separators, so it parses back).
pub fn amount_input(cents: i32) -> String {
    if cents % 100 == 0 {
        format!("{}", cents / 100)
    } else {
        format!("{}.{:02}", cents / 100, cents % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_people_type() {
        assert_eq!(parse_amount("150", GBP), Ok(15_000));
        assert_eq!(parse_amount(" £1,500 ", GBP), Ok(150_000));
        assert_eq!(parse_amount(" $1,500 ", USD), Ok(150_000));
        assert_eq!(parse_amount("149.5", GBP), Ok(14_950));
        assert_eq!(parse_amount("0.05", GBP), Ok(5));
        assert_eq!(parse_amount("0", GBP), Ok(0));
        for bad in [
            "",
            "-5",
            "abc",
            "1.234",
            "15,00",
            "1.",
            "£",
            "$5",
            "1 000",
            "2000000",
            "99999999999",
        ] {
            assert!(parse_amount(bad, GBP).is_err(), "{bad} should be refused");
        }
        assert_eq!(
            parse_amount("x", GBP),
            Err("Enter an amount in pounds (GBP), e.g. 150 or 149.50.".into())
        );
        assert_eq!(
            parse_amount("2000000", GBP),
            Err("At most £1,000,000 per session.".into())
        );
    }

    #[test]
    fn round_trips() {
        for cents in [0, 5, 15_000, 14_950, 100_000_000] {
            assert_eq!(parse_amount(&amount_input(cents), USD), Ok(cents));
        }
    }

    #[test]
    fn formats_in_the_clinics_currency() {
        assert_eq!(GBP.range(10_000, 50_000), "£100–£500");
        assert_eq!(USD.range(200_000, 500_000), "$2,000–$5,000");
        assert_eq!(GBP.range(15_050, 15_050), "£150.50");
        assert_eq!(
            Currency::parse("eur").map(|c| c.format(100)),
            Ok("€1".into())
        );
        assert!(Currency::parse("XYZ").unwrap_err().contains("GBP, USD"));
    }
}
