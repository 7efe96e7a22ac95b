//! The desk's pages as templates see them: every label formatted, every grid position computed.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::grid::{Placement, place};
use crate::db::models::{PractitionerRow, from_db};
use crate::domain::appointment::Status;
use crate::domain::availability::SlotProblem;
use crate::domain::booking::PractitionerChoice;
use crate::domain::hours::minute_label;
use crate::domain::time::{date_label, rfc3339_local, time_label};
use crate::domain::wall_clock::WallSpan;
use crate::service::availability::SlotView;
use crate::service::desk::schedule::Listed;
use crate::service::desk::schedule::{Lane, Schedule};

/// A header cell: a practitioner (day view), a day, or a day's practitioner lane (week view).
pub struct Head {
    pub row: u32,
    pub column: u32,
    pub span: u32,
    pub label: String,
    pub sub: String,
    pub title: String,
    pub href: Option<String>,
    pub today: bool,
}

pub struct LaneCell {
    pub column: u32,
    pub first_of_day: bool,
    pub closed: bool,
}

/// A quarter-hour row; hours carry a label.
pub struct Mark {
    pub row: u32,
    pub hour: bool,
    pub label: String,
}

/// Shading over a lane: hours not worked, or time off (labelled).
pub struct Shade {
    pub column: u32,
    pub row: u32,
    pub span: u32,
    pub time_off: bool,
    pub label: String,
}

pub struct BlockView {
    pub id: i32,
    pub column: u32,
    pub row: u32,
    pub span: u32,
    pub status: &'static str,
    pub status_label: &'static str,
    pub href: String,
    pub time: String,
    pub patient: String,
    pub treatment: String,
    pub title: String,
    /// The devices and rooms it holds, e.g. "Laser device" (empty: none).
    pub resources: String,
    /// The patient hasn't answered the screening questions yet (the day view marks it).
    pub screening_pending: bool,
    /// Why this appointment clashes with its practitioner's time ("In time off"), if it does.
    pub conflict: Option<&'static str>,
    /// The practitioner's initials and colour class (`who-0` … `who-7`).
    pub who: String,
    pub who_class: String,
}

/// The buffer after an appointment (cleaning, notes) that still holds the practitioner.
pub struct BufferView {
    pub column: u32,
    pub row: u32,
    pub span: u32,
}

pub struct GridView {
    pub header_rows: u32,
    /// The first grid line below the headers.
    pub top: u32,
    pub minutes: u32,
    pub lanes: u32,
    /// The narrowest a lane may get (a week of everyone has many).
    pub lane_min: &'static str,
    pub heads: Vec<Head>,
    pub lane_cells: Vec<LaneCell>,
    pub marks: Vec<Mark>,
    pub shades: Vec<Shade>,
    pub blocks: Vec<BlockView>,
    pub buffers: Vec<BufferView>,
    /// Who the initials heading the lanes of a week stand for.
    pub initials: Vec<(String, String)>,
    /// Each practitioner on the grid: (colour class, initials, name), for the legend.
    pub people: Vec<(String, String, String)>,
}

/// The colour a practitioner is drawn in: one of eight, by id (always with their initials
/// beside it: colour is never the only sign).
pub fn who_class(practitioner_id: i32) -> String {
    format!("who-{}", (practitioner_id - 1).rem_euclid(8))
}

fn overlaps(a: WallSpan, b: WallSpan) -> bool {
    a.start < b.end && b.start < a.end
}

/// Why an appointment clashes with its lane: time off wins over hours not worked.
pub fn conflict_in(lane: &Lane, span: WallSpan) -> Option<&'static str> {
    if lane.time_off.iter().any(|(t, _)| overlaps(*t, span)) {
        Some("In time off")
    } else if lane.off.iter().any(|o| overlaps(*o, span)) {
        Some("Outside working hours")
    } else {
        None
    }
}

pub struct CancelledView {
    pub href: String,
    pub when: String,
    pub patient: String,
    pub treatment: String,
    pub practitioner: String,
    pub reason: String,
}

pub fn day_param(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// "Mon 3 Jun".
pub fn short_date(d: NaiveDate) -> String {
    d.format("%a %-d %b").to_string()
}

/// "AO" for "Dr. Amara Okafor": lane headers of a week are narrow.
pub fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter(|w| !w.ends_with('.'))
        .filter_map(|w| w.chars().next())
        .flat_map(char::to_uppercase)
        .collect()
}

pub fn time_range(tz: Tz, start: DateTime<Utc>, end: DateTime<Utc>) -> String {
    format!("{}–{}", time_label(tz, start), time_label(tz, end))
}

/// How the grid is drawn: one practitioner column per lane (the day), or days across with
/// their lanes (the week; `lane_heads` when a day holds several practitioners).
pub struct GridStyle {
    pub week: bool,
    pub lane_heads: bool,
    pub today: NaiveDate,
}

fn placement(s: &Schedule, header_rows: u32, span: WallSpan) -> Option<Placement> {
    place(s.window, header_rows, span)
}

fn lane_head(lane: &Lane, style: &GridStyle) -> (String, String, String, Option<String>) {
    match &lane.practitioner {
        Some(p) if style.week => (initials(&p.name), String::new(), p.name.clone(), None),
        Some(p) => (
            p.name.clone(),
            p.title.clone(),
            format!("{}'s week", p.name),
            Some(format!(
                "/staff/week?date={}&practitioner={}",
                day_param(lane.date),
                p.id
            )),
        ),
        None => ("Closed".into(), String::new(), String::new(), None),
    }
}

pub fn grid_view(s: &Schedule, style: &GridStyle) -> GridView {
    let header_rows = if style.week && style.lane_heads { 2 } else { 1 };
    let top = header_rows + 1;
    let column = |lane: usize| lane as u32 + 2;
    let mut heads = Vec::new();
    if style.week {
        for day in &s.days {
            let lanes: Vec<usize> = (0..s.lanes.len())
                .filter(|&i| s.lanes[i].date == day.date)
                .collect();
            if let (Some(&first), Some(&last)) = (lanes.first(), lanes.last()) {
                heads.push(Head {
                    row: 1,
                    column: column(first),
                    span: (last - first + 1) as u32,
                    label: short_date(day.date),
                    sub: if day.open.is_empty() {
                        "closed".into()
                    } else {
                        String::new()
                    },
                    title: date_label(day.date),
                    href: Some(format!("/staff/day?date={}", day_param(day.date))),
                    today: day.date == style.today,
                });
            }
        }
    }
    let mut lane_cells = Vec::new();
    let mut shades = Vec::new();
    for (i, lane) in s.lanes.iter().enumerate() {
        if !style.week || style.lane_heads {
            let (label, sub, title, href) = lane_head(lane, style);
            heads.push(Head {
                row: header_rows,
                column: column(i),
                span: 1,
                label,
                sub,
                title,
                href,
                today: false,
            });
        }
        lane_cells.push(LaneCell {
            column: column(i),
            first_of_day: i == 0 || s.lanes[i - 1].date != lane.date,
            closed: lane.practitioner.is_none(),
        });
        for off in &lane.off {
            if let Some(p) = placement(s, header_rows, *off) {
                shades.push(Shade {
                    column: column(i),
                    row: p.row,
                    span: p.span,
                    time_off: false,
                    label: String::new(),
                });
            }
        }
        for (span, reason) in &lane.time_off {
            if let Some(p) = placement(s, header_rows, *span) {
                shades.push(Shade {
                    column: column(i),
                    row: p.row,
                    span: p.span,
                    time_off: true,
                    label: if reason.is_empty() {
                        "Time off".into()
                    } else {
                        format!("Time off: {reason}")
                    },
                });
            }
        }
    }
    let marks = s
        .window
        .quarters()
        .map(|m| Mark {
            row: top + u32::from(m - s.window.first),
            hour: m % 60 == 0,
            label: minute_label(m),
        })
        .collect();
    let buffers = s
        .blocks
        .iter()
        .filter_map(|b| {
            let p = placement(s, header_rows, b.buffer?)?;
            Some(BufferView {
                column: column(b.lane),
                row: p.row,
                span: p.span,
            })
        })
        .collect();
    let mut people: Vec<(String, String, String)> = Vec::new();
    for p in s.lanes.iter().filter_map(|l| l.practitioner.as_ref()) {
        if !people.iter().any(|(_, _, name)| *name == p.name) {
            people.push((who_class(p.id), initials(&p.name), p.name.clone()));
        }
    }
    let blocks = s
        .blocks
        .iter()
        .filter_map(|b| {
            let p = placement(s, header_rows, b.span)?;
            let a = &b.item.appointment;
            let time = time_range(s.tz, from_db(a.starts_at), from_db(a.ends_at));
            let conflict = s.lanes.get(b.lane).and_then(|l| conflict_in(l, b.span));
            Some(BlockView {
                conflict,
                who: initials(&b.item.practitioner),
                who_class: who_class(a.practitioner_id),
                id: a.id,
                column: column(b.lane),
                row: p.row,
                span: p.span,
                status: b.status.as_str(),
                status_label: b.status.label(),
                href: format!("/staff/appointments/{}", a.id),
                title: format!(
                    "{time} · {} · {} · {} · {}{}",
                    b.item.patient,
                    b.item.treatment,
                    b.item.practitioner,
                    b.status.label(),
                    conflict.map(|c| format!(" · {c}")).unwrap_or_default()
                ),
                time,
                patient: b.item.patient.clone(),
                treatment: b.item.treatment.clone(),
                resources: s
                    .held
                    .get(&a.id)
                    .map(|rs| {
                        rs.iter()
                            .map(|r| r.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default(),
                screening_pending: false,
            })
        })
        .collect();
    GridView {
        header_rows,
        top,
        minutes: u32::from(s.window.minutes()),
        lanes: s.lanes.len() as u32,
        lane_min: if style.week && style.lane_heads {
            "4.5rem"
        } else if style.week {
            "7rem"
        } else {
            "10rem"
        },
        heads,
        lane_cells,
        marks,
        shades,
        blocks,
        buffers,
        people,
        initials: if style.week && style.lane_heads {
            let mut seen: Vec<(String, String)> = Vec::new();
            for p in s.lanes.iter().filter_map(|l| l.practitioner.as_ref()) {
                if !seen.iter().any(|(_, name)| *name == p.name) {
                    seen.push((initials(&p.name), p.name.clone()));
                }
            }
            seen
        } else {
            Vec::new()
        },
    }
}

/// One day of the compact week list (everyone's week: a grid of a lane per practitioner and day
/// is too narrow to read).
pub struct DayListView {
    pub label: String,
    pub href: String,
    pub today: bool,
    pub closed: bool,
    pub time_off: Vec<String>,
    pub items: Vec<ListItemView>,
}

pub struct ListItemView {
    pub id: i32,
    pub href: String,
    pub time: String,
    pub patient: String,
    pub treatment: String,
    pub practitioner: String,
    pub who: String,
    pub who_class: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub conflict: Option<&'static str>,
}

/// The week as a list per day, in time order.
pub fn week_list(s: &Schedule, today: NaiveDate) -> Vec<DayListView> {
    s.days
        .iter()
        .map(|day| {
            let lanes: Vec<usize> = (0..s.lanes.len())
                .filter(|&i| s.lanes[i].date == day.date)
                .collect();
            let mut blocks: Vec<_> = s
                .blocks
                .iter()
                .filter(|b| lanes.contains(&b.lane))
                .collect();
            blocks.sort_by_key(|b| (b.item.appointment.starts_at, b.item.appointment.id));
            let time_off = lanes
                .iter()
                .filter_map(|&i| {
                    let lane = &s.lanes[i];
                    let p = lane.practitioner.as_ref()?;
                    Some(lane.time_off.iter().map(move |(span, reason)| {
                        format!(
                            "{}, {}–{}{}",
                            p.name,
                            minute_label(span.start),
                            minute_label(span.end),
                            if reason.is_empty() {
                                String::new()
                            } else {
                                format!(" ({reason})")
                            }
                        )
                    }))
                })
                .flatten()
                .collect();
            DayListView {
                label: date_label(day.date),
                href: format!("/staff/day?date={}", day_param(day.date)),
                today: day.date == today,
                closed: day.open.is_empty(),
                time_off,
                items: blocks
                    .into_iter()
                    .map(|b| {
                        let a = &b.item.appointment;
                        ListItemView {
                            id: a.id,
                            href: format!("/staff/appointments/{}", a.id),
                            time: time_range(s.tz, from_db(a.starts_at), from_db(a.ends_at)),
                            patient: b.item.patient.clone(),
                            treatment: b.item.treatment.clone(),
                            practitioner: b.item.practitioner.clone(),
                            who: initials(&b.item.practitioner),
                            who_class: who_class(a.practitioner_id),
                            status: b.status.as_str(),
                            status_label: b.status.label(),
                            conflict: s.lanes.get(b.lane).and_then(|l| conflict_in(l, b.span)),
                        }
                    })
                    .collect(),
            }
        })
        .collect()
}

pub fn cancelled_views(s: &Schedule) -> Vec<CancelledView> {
    s.cancelled
        .iter()
        .map(|l| cancelled_view(s.tz, l))
        .collect()
}

fn cancelled_view(tz: Tz, l: &Listed) -> CancelledView {
    let a = &l.appointment;
    let start = from_db(a.starts_at);
    CancelledView {
        href: format!("/staff/appointments/{}", a.id),
        when: format!(
            "{} {}",
            short_date(start.with_timezone(&tz).date_naive()),
            time_range(tz, start, from_db(a.ends_at))
        ),
        patient: l.patient.clone(),
        treatment: l.treatment.clone(),
        practitioner: l.practitioner.clone(),
        reason: a.cancel_reason.clone().unwrap_or_default(),
    }
}

/// An appointment in a list (a patient's record).
pub struct ListedView {
    pub href: String,
    pub when: String,
    pub treatment: String,
    pub practitioner: String,
    pub status: &'static str,
    pub status_label: &'static str,
}

pub fn listed_view(tz: Tz, l: &Listed) -> ListedView {
    let a = &l.appointment;
    let status = Status::parse(&a.status);
    ListedView {
        href: format!("/staff/appointments/{}", a.id),
        when: format!(
            "{}, {}",
            date_label(from_db(a.starts_at).with_timezone(&tz).date_naive()),
            time_range(tz, from_db(a.starts_at), from_db(a.ends_at))
        ),
        treatment: l.treatment.clone(),
        practitioner: l.practitioner.clone(),
        status: status.map(Status::as_str).unwrap_or("unknown"),
        status_label: status.map(Status::label).unwrap_or("Unknown"),
    }
}

pub struct OptionView {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// "Any" and each practitioner able to do the treatment.
pub fn practitioner_choices(
    eligible: &[PractitionerRow],
    choice: PractitionerChoice,
) -> Vec<OptionView> {
    let mut out = vec![OptionView {
        value: "any".into(),
        label: "Any available practitioner".into(),
        selected: choice == PractitionerChoice::Any,
    }];
    out.extend(eligible.iter().map(|p| OptionView {
        value: p.id.to_string(),
        label: format!("{} — {}", p.name, p.title),
        selected: choice == PractitionerChoice::Specific(p.id),
    }));
    out
}

/// A free start time, with who is free then.
pub struct TimeOption {
    pub value: String,
    pub label: String,
    pub who: String,
    pub checked: bool,
}

/// Free slots grouped by start (with "any practitioner" one time may have several).
pub fn time_options(tz: Tz, slots: &[SlotView], checked: &str) -> Vec<TimeOption> {
    let mut out: Vec<TimeOption> = Vec::new();
    for s in slots {
        let value = rfc3339_local(tz, s.start);
        match out.last_mut() {
            Some(o) if o.value == value => {
                o.who.push_str(", ");
                o.who.push_str(&s.practitioner_name);
            }
            _ => out.push(TimeOption {
                checked: checked == value,
                label: time_label(tz, s.start),
                who: s.practitioner_name.clone(),
                value,
            }),
        }
    }
    out
}

/// What staff are told when a time can't be booked (the patients' wording talks about
/// booking online and calling the clinic).
pub fn slot_message(p: SlotProblem) -> &'static str {
    match p {
        SlotProblem::OffGrid => "Appointments start on the clinic's time grid; pick a listed time.",
        SlotProblem::InPast => "That time has already passed.",
        SlotProblem::TooSoon => {
            "That time is within the clinic's minimum notice for bookings; pick a later time."
        }
        SlotProblem::BeyondHorizon => "That date is beyond the clinic's booking window.",
        SlotProblem::OutsideHours => "The practitioner isn't working at that time.",
        SlotProblem::ResourceClosed => {
            "A device or room this treatment needs is outside its hours then (see Devices and rooms)."
        }
        SlotProblem::Taken => "That time has just been taken. Please pick another.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_skip_titles() {
        assert_eq!(initials("Dr. Amara Okafor"), "AO");
        assert_eq!(initials("Jonah Reyes"), "JR");
        assert_eq!(initials("lena"), "L");
    }
}
