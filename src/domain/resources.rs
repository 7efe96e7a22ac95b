//! Shared devices and rooms: a treatment needs one resource of each of its kinds, and a
//! resource (count one) serves one appointment at a time. Which resources are free for a span.

use chrono::{DateTime, Utc};

/// A resource as the rule sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub id: i32,
    pub kind: String,
}

/// A span a resource is taken for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    pub resource_id: i32,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// What a treatment needs, with what is already taken around the times being asked about.
#[derive(Debug, Clone, Default)]
pub struct Needs {
    pub kinds: Vec<String>,
    /// Active resources of those kinds, in the order they are tried.
    pub resources: Vec<Resource>,
    pub held: Vec<Held>,
}

impl Needs {
    /// One free resource of each needed kind for `[start, end)`, or `None` when some kind has
    /// none free. A treatment that needs nothing gets `Some(vec![])`.
    pub fn pick(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> Option<Vec<i32>> {
        self.kinds
            .iter()
            .map(|kind| {
                self.resources
                    .iter()
                    .filter(|r| &r.kind == kind)
                    .find(|r| {
                        !self
                            .held
                            .iter()
                            .any(|h| h.resource_id == r.id && h.start < end && start < h.end)
                    })
                    .map(|r| r.id)
            })
            .collect()
    }
}

/// A kind name as admins type it: trimmed, lower case, spaces collapsed; empty is refused.
pub fn parse_kind(raw: &str) -> Option<String> {
    let kind = raw
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    (!kind.is_empty() && kind.chars().count() <= 60).then_some(kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 6, 4, h, 0, 0).unwrap()
    }

    fn needs() -> Needs {
        Needs {
            kinds: vec!["laser device".into(), "treatment room".into()],
            resources: vec![
                Resource {
                    id: 1,
                    kind: "laser device".into(),
                },
                Resource {
                    id: 2,
                    kind: "treatment room".into(),
                },
                Resource {
                    id: 3,
                    kind: "treatment room".into(),
                },
            ],
            held: vec![
                Held {
                    resource_id: 1,
                    start: at(10),
                    end: at(11),
                },
                Held {
                    resource_id: 2,
                    start: at(12),
                    end: at(13),
                },
            ],
        }
    }

    #[test]
    fn picks_one_free_resource_of_each_kind() {
        assert_eq!(needs().pick(at(9), at(10)), Some(vec![1, 2]));
        // Room 2 is taken at noon: room 3 serves.
        assert_eq!(needs().pick(at(12), at(13)), Some(vec![1, 3]));
    }

    #[test]
    fn a_held_device_blocks_overlapping_spans_only() {
        assert_eq!(needs().pick(at(10), at(11)), None);
        assert_eq!(needs().pick(at(9), at(11)), None);
        assert!(needs().pick(at(11), at(12)).is_some());
    }

    #[test]
    fn needing_nothing_is_always_free() {
        assert_eq!(Needs::default().pick(at(10), at(11)), Some(vec![]));
    }

    #[test]
    fn a_kind_with_no_resource_is_never_free() {
        let n = Needs {
            kinds: vec!["x-ray".into()],
            ..Needs::default()
        };
        assert_eq!(n.pick(at(10), at(11)), None);
    }

    #[test]
    fn kinds_are_normalised() {
        assert_eq!(parse_kind("  Laser   Device "), Some("laser device".into()));
        assert_eq!(parse_kind("   "), None);
    }
}
