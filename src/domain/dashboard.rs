//! The dashboard's bar chart of bookings per day, laid out here as numbers so the template only
//! places `<rect>`s and labels (an inline SVG: no scripts, no external files).

use chrono::{Duration, NaiveDate};

pub const DAYS_EACH_SIDE: i64 = 30;

const SLOT: u32 = 12;
const BAR: u32 = 9;
const LEFT: u32 = 34;
const TOP: u32 = 16;
const PLOT_HEIGHT: u32 = 110;
const BOTTOM: u32 = 34;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub count: u32,
    /// "Tue 4 Jun: 3 bookings", the bar's tooltip (an SVG <title>).
    pub label: String,
    pub today: bool,
    pub past: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AxisLabel {
    pub x: u32,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BarChart {
    pub width: u32,
    pub height: u32,
    pub plot_top: u32,
    pub baseline: u32,
    pub left: u32,
    pub max: u32,
    pub bars: Vec<Bar>,
    pub labels: Vec<AxisLabel>,
}

/// The local dates the chart covers: 30 days back, today, 30 days ahead.
pub fn chart_days(today: NaiveDate) -> Vec<NaiveDate> {
    (-DAYS_EACH_SIDE..=DAYS_EACH_SIDE)
        .map(|d| today + Duration::days(d))
        .collect()
}

/// Lays out one bar per (date, count); dates are labelled weekly and on today.
pub fn bar_chart(today: NaiveDate, per_day: &[(NaiveDate, u32)]) -> BarChart {
    let max = per_day.iter().map(|d| d.1).max().unwrap_or(0).max(1);
    let baseline = TOP + PLOT_HEIGHT;
    let mut bars = Vec::with_capacity(per_day.len());
    let mut labels = Vec::new();
    for (i, (date, count)) in per_day.iter().enumerate() {
        let x = LEFT + i as u32 * SLOT;
        let height = if *count == 0 {
            0
        } else {
            // Any booking shows at least a sliver.
            (count * PLOT_HEIGHT / max).max(2)
        };
        let offset = (*date - today).num_days();
        bars.push(Bar {
            x,
            y: baseline - height,
            width: BAR,
            height,
            count: *count,
            label: format!(
                "{}: {count} booking{}",
                date.format("%a %-d %b"),
                if *count == 1 { "" } else { "s" }
            ),
            today: offset == 0,
            past: offset < 0,
        });
        if offset % 7 == 0 {
            labels.push(AxisLabel {
                x: x + BAR / 2,
                text: if offset == 0 {
                    "today".into()
                } else {
                    date.format("%-d %b").to_string()
                },
            });
        }
    }
    BarChart {
        width: LEFT + per_day.len() as u32 * SLOT + 8,
        height: baseline + BOTTOM,
        plot_top: TOP,
        baseline,
        left: LEFT,
        max,
        bars,
        labels,
    }
}

/// No-shows ÷ (completed + no-shows), as a percentage; `None` with nothing to divide by.
pub fn no_show_rate(completed: u32, no_shows: u32) -> Option<f64> {
    let seen = completed + no_shows;
    (seen > 0).then(|| f64::from(no_shows) * 100.0 / f64::from(seen))
}

pub fn rate_label(rate: Option<f64>) -> String {
    match rate {
        Some(r) => format!("{r:.0}%"),
        None => "no finished appointments yet".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lays_out_sixty_one_days() {
        let today = NaiveDate::from_ymd_opt(2030, 6, 3).unwrap();
        let days = chart_days(today);
        assert_eq!(days.len(), 61);
        let data: Vec<(NaiveDate, u32)> = days
            .iter()
            .map(|d| {
                (
                    *d,
                    if *d == today {
                        4
                    } else {
                        u32::from(*d == days[0])
                    },
                )
            })
            .collect();
        let c = bar_chart(today, &data);
        assert_eq!(c.bars.len(), 61);
        assert_eq!(c.max, 4);
        let t = &c.bars[30];
        assert!(t.today && !t.past);
        assert_eq!(t.height, PLOT_HEIGHT);
        assert_eq!(t.y, c.plot_top);
        assert!(c.bars[0].past && c.bars[0].height > 0);
        assert_eq!(c.bars[1].height, 0);
        assert_eq!(c.bars[30].label, "Mon 3 Jun: 4 bookings");
        assert!(c.labels.iter().any(|l| l.text == "today"));
        assert_eq!(c.labels.len(), 9);
    }

    #[test]
    fn rates() {
        assert_eq!(no_show_rate(0, 0), None);
        assert_eq!(no_show_rate(3, 1), Some(25.0));
        assert_eq!(rate_label(Some(25.0)), "25%");
    }
}
