//! Composing an email from a care plan step: the editable subject and body with its
//! placeholders filled in, framed by the Askama templates in templates/email/ (a text part and an
//! HTML part with inline styles, the clinic's name and contact in both).

use askama::Template;

use crate::domain::care_plan::fill;
use crate::domain::patient::tel_uri;

/// A run of text, linked when it is a URL.
pub struct Segment {
    pub text: String,
    pub href: Option<String>,
}

/// A paragraph (its lines, kept as the clinic broke them), or a list made of lines starting
/// with "- ".
pub enum Block {
    Para(Vec<Vec<Segment>>),
    List(Vec<Vec<Segment>>),
}

#[derive(Template)]
#[template(path = "email/message.txt")]
struct TextPart<'a> {
    body: &'a str,
    clinic_name: &'a str,
    clinic_address: &'a str,
    clinic_phone: &'a str,
    clinic_email: &'a str,
    out_of_hours: &'a str,
    manage_url: Option<&'a str>,
    unsubscribe_url: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "email/message.html")]
struct HtmlPart<'a> {
    subject: &'a str,
    blocks: Vec<Block>,
    clinic_name: &'a str,
    clinic_address: &'a str,
    clinic_phone: &'a str,
    clinic_tel: String,
    clinic_email: &'a str,
    out_of_hours: &'a str,
    manage_url: Option<&'a str>,
    unsubscribe_url: Option<&'a str>,
}

/// Placeholders whose values the app generates itself (its own links). Only these, and URLs the
/// clinic wrote into the template, become links: a value someone typed (a name, a note) never does.
const APP_LINKS: &[&str] = &["manage_url", "book_url", "claim_url", "leave_url"];

/// Marks where a typed value goes in the body before it is split into paragraphs and links
/// (private-use characters, taken out of the template first so it can't fake one).
const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

/// The body with each value that must stay text replaced by a marker, and those values.
fn marked(body_template: &str, values: &[(&str, &str)]) -> (String, Vec<String>) {
    let clean = body_template.replace([OPEN, CLOSE], "");
    let markers: Vec<(String, String)> = values
        .iter()
        .enumerate()
        .map(|(i, (k, v))| {
            if APP_LINKS.contains(k) {
                (k.to_string(), v.to_string())
            } else {
                (k.to_string(), format!("{OPEN}{i}{CLOSE}"))
            }
        })
        .collect();
    let pairs: Vec<(&str, &str)> = markers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let texts = values.iter().map(|(_, v)| v.to_string()).collect();
    (fill(&clean, &pairs), texts)
}

/// Appends plain text, joining it to a plain segment before it.
fn push_text(out: &mut Vec<Segment>, text: &str) {
    match out.last_mut() {
        Some(last) if last.href.is_none() => last.text.push_str(text),
        _ => out.push(Segment {
            text: text.to_string(),
            href: None,
        }),
    }
}

/// A line of the marked body: the clinic's own text linkified, typed values as plain text.
fn segments_marked(line: &str, values: &[String]) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    let mut rest = line;
    while let Some(open) = rest.find(OPEN) {
        let literal = &rest[..open];
        let after = &rest[open + OPEN.len_utf8()..];
        let Some(close) = after.find(CLOSE) else {
            break;
        };
        for seg in segments(literal) {
            match seg.href {
                Some(_) => out.push(seg),
                None => push_text(&mut out, &seg.text),
            }
        }
        let value = after[..close]
            .parse::<usize>()
            .ok()
            .and_then(|i| values.get(i));
        if let Some(v) = value {
            push_text(&mut out, v);
        }
        rest = &after[close + CLOSE.len_utf8()..];
    }
    for seg in segments(rest) {
        match seg.href {
            Some(_) => out.push(seg),
            None => push_text(&mut out, &seg.text),
        }
    }
    out.retain(|s| !s.text.is_empty());
    out
}

fn segments(line: &str) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    for (i, word) in line.split(' ').enumerate() {
        let sep = if i == 0 { "" } else { " " };
        let trimmed = word.trim_end_matches(['.', ',', ';', ')']);
        if trimmed.starts_with("http://") || trimmed.starts_with("https://") {
            out.push(Segment {
                text: sep.to_string(),
                href: None,
            });
            out.push(Segment {
                text: link_text(trimmed),
                href: Some(trimmed.to_string()),
            });
            out.push(Segment {
                text: word[trimmed.len()..].to_string(),
                href: None,
            });
        } else {
            match out.last_mut() {
                Some(last) if last.href.is_none() => {
                    last.text.push_str(sep);
                    last.text.push_str(word);
                }
                _ => out.push(Segment {
                    text: format!("{sep}{word}"),
                    href: None,
                }),
            }
        }
    }
    out
}

/// What a link shows in the HTML part: the address without its scheme, cut short (the link
/// keeps the whole of it), so a long token can't push a phone's screen wider than 390 px.
fn link_text(url: &str) -> String {
    const MAX: usize = 32;
    let bare = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(url);
    if bare.chars().count() <= MAX {
        bare.to_string()
    } else {
        let cut: String = bare.chars().take(MAX - 1).collect();
        format!("{cut}…")
    }
}

/// Paragraphs split on blank lines; a paragraph whose lines all start with "- " is a list.
pub fn blocks(body: &str) -> Vec<Block> {
    blocks_with(body, &[])
}

/// `blocks` of a marked body: each marker becomes its value, as text.
fn blocks_with(body: &str, values: &[String]) -> Vec<Block> {
    let segments = |l: &str| segments_marked(l, values);
    body.replace("\r\n", "\n")
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let lines: Vec<&str> = p.lines().map(str::trim).collect();
            if lines.iter().all(|l| l.starts_with("- ")) {
                Block::List(lines.iter().map(|l| segments(&l[2..])).collect())
            } else {
                Block::Para(lines.iter().map(|l| segments(l)).collect())
            }
        })
        .collect()
}

/// The clinic's name and contact details, at the foot of every email.
pub struct Letterhead<'a> {
    pub name: &'a str,
    pub address: &'a str,
    pub phone: &'a str,
    pub email: &'a str,
    /// Where replies go (the clinic's email unless it set another).
    pub reply_to: &'a str,
    /// What to do when the clinic is closed (empty: nothing said).
    pub out_of_hours: &'a str,
}

/// The subject, text part and HTML part of a step for one appointment.
pub struct Composed {
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub fn compose(
    letterhead: &Letterhead<'_>,
    subject_template: &str,
    body_template: &str,
    values: &[(&str, &str)],
    manage_url: Option<&str>,
    unsubscribe_url: Option<&str>,
) -> Result<Composed, String> {
    // A subject is one line whatever the template says (no header injection).
    let subject = fill(subject_template, values).replace(['\r', '\n'], " ");
    let body = fill(body_template, values);
    let (marked_body, texts) = marked(body_template, values);
    let c = letterhead;
    let text = TextPart {
        body: &body,
        clinic_name: c.name,
        clinic_address: c.address,
        clinic_phone: c.phone,
        clinic_email: c.email,
        out_of_hours: c.out_of_hours,
        manage_url,
        unsubscribe_url,
    }
    .render()
    .map_err(|e| e.to_string())?;
    let html = HtmlPart {
        subject: &subject,
        blocks: blocks_with(&marked_body, &texts),
        clinic_name: c.name,
        clinic_address: c.address,
        clinic_phone: c.phone,
        clinic_tel: tel_uri(c.phone),
        clinic_email: c.email,
        out_of_hours: c.out_of_hours,
        manage_url,
        unsubscribe_url,
    }
    .render()
    .map_err(|e| e.to_string())?;
    Ok(Composed {
        subject,
        text,
        html,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links(b: &[Block]) -> Vec<String> {
        let mut out = Vec::new();
        for block in b {
            let segs: Vec<&Segment> = match block {
                Block::Para(lines) => lines.iter().flatten().collect(),
                Block::List(items) => items.iter().flatten().collect(),
            };
            out.extend(segs.iter().filter_map(|s| s.href.clone()));
        }
        out
    }

    #[test]
    fn typed_values_never_become_links_but_the_apps_and_the_clinics_do() {
        let values = [
            ("patient_name", "Click https://evil.example/login now"),
            ("manage_url", "https://clinic.example/appointments/abc"),
        ];
        let (body, texts) = marked(
            "Hello {patient_name},\n\nManage: {manage_url}\n\nSee https://clinic.example/care",
            &values,
        );
        let b = blocks_with(&body, &texts);
        assert_eq!(
            links(&b),
            vec![
                "https://clinic.example/appointments/abc".to_string(),
                "https://clinic.example/care".to_string()
            ]
        );
        match &b[0] {
            Block::Para(lines) => {
                let text: String = lines[0].iter().map(|s| s.text.as_str()).collect();
                assert_eq!(text, "Hello Click https://evil.example/login now,");
            }
            Block::List(_) => panic!("expected a paragraph"),
        }
    }

    #[test]
    fn a_template_cannot_forge_a_marker() {
        let values = [("patient_name", "Ann")];
        let (body, texts) = marked("Hi \u{E000}0\u{E001} {patient_name}", &values);
        let b = blocks_with(&body, &texts);
        match &b[0] {
            Block::Para(lines) => {
                let text: String = lines[0].iter().map(|s| s.text.as_str()).collect();
                assert_eq!(text, "Hi 0 Ann");
            }
            Block::List(_) => panic!("expected a paragraph"),
        }
    }

    #[test]
    fn long_links_show_short_text_and_phones_become_tel_links() {
        let url = "https://clinic.example/appointments/AbCdEfGhIjKlMnOpQrStUvWxYz012345";
        let b = blocks(&format!("Manage: {url}"));
        match &b[0] {
            Block::Para(lines) => {
                let link = lines[0].iter().find(|s| s.href.is_some()).expect("a link");
                assert_eq!(link.href.as_deref(), Some(url));
                assert_eq!(link.text, "clinic.example/appointments/AbC…");
            }
            Block::List(_) => panic!("expected a paragraph"),
        }
        assert_eq!(tel_uri("+44 20 7946-0000"), "tel:+442079460000");
    }

    #[test]
    fn bodies_become_paragraphs_lists_and_links() {
        let b =
            blocks("Hello Ann,\n\n- one\n- two https://x.example/a.\n\nSee https://x.example/b");
        assert_eq!(b.len(), 3);
        match &b[1] {
            Block::List(items) => {
                assert_eq!(items.len(), 2);
                assert!(
                    items[1]
                        .iter()
                        .any(|s| s.href.as_deref() == Some("https://x.example/a"))
                );
                assert!(items[1].iter().any(|s| s.text == "."));
            }
            Block::Para(_) => panic!("expected a list"),
        }
        match &b[2] {
            Block::Para(lines) => {
                assert_eq!(lines[0].iter().filter(|s| s.href.is_some()).count(), 1)
            }
            Block::List(_) => panic!("expected a paragraph"),
        }
        // A line break inside a paragraph stays a line break.
        match &blocks("Book here: https://x.example/b\nOr call us.")[0] {
            Block::Para(lines) => assert_eq!(lines.len(), 2),
            Block::List(_) => panic!("expected a paragraph"),
        }
    }
}
