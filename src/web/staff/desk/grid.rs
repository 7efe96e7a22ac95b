//! The schedule grid's CSS placement: one grid row per wall-clock minute below the headers, so
//! the template only writes `grid-row` values.

use crate::domain::wall_clock::{WallSpan, Window};

/// A CSS grid placement: the first grid line and how many one-minute rows it spans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    pub row: u32,
    pub span: u32,
}

/// Places a span below `header_rows` header rows (grid lines count from 1).
pub fn place(window: Window, header_rows: u32, s: WallSpan) -> Option<Placement> {
    window.clip(s).map(|(offset, len)| Placement {
        row: header_rows + 1 + u32::from(offset),
        span: u32::from(len),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: u16, end: u16) -> WallSpan {
        WallSpan { start, end }
    }

    #[test]
    fn placements_count_rows_in_minutes_below_the_headers() {
        let w = Window {
            first: 540,
            last: 1080,
        };
        // 10:00–10:45 under one header row: line 62, 45 rows.
        assert_eq!(
            place(w, 1, span(600, 645)),
            Some(Placement { row: 62, span: 45 })
        );
        assert_eq!(
            place(w, 2, span(540, 555)),
            Some(Placement { row: 3, span: 15 })
        );
        // Cut to the window, or nothing when wholly outside.
        assert_eq!(
            place(w, 1, span(1050, 1200)),
            Some(Placement { row: 512, span: 30 })
        );
        assert_eq!(place(w, 1, span(0, 60)), None);
        assert_eq!(w.quarters().count(), 36);
        assert_eq!(w.quarters().nth(1), Some(555));
    }
}
