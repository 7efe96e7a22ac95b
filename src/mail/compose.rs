//! Composing an email from a care plan step: the editable subject and body with its
//! placeholders filled in, framed by the Askama templates in templates/email/ (a text part and an
//! HTML part with inline styles, the clinic's name and contact in both).

use askama::Template;

use crate::domain::care_plan::fill;

/// A run of text, linked when it is a URL.
pub struct Segment {
    pub text: String,
    pub href: Option<String>,
}

/// A paragraph, or a list made of lines starting with "- ".
pub enum Block {
    Para(Vec<Segment>),
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
    clinic_email: &'a str,
    manage_url: Option<&'a str>,
    unsubscribe_url: Option<&'a str>,
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
                text: trimmed.to_string(),
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

/// Paragraphs split on blank lines; a paragraph whose lines all start with "- " is a list.
pub fn blocks(body: &str) -> Vec<Block> {
    body.replace("\r\n", "\n")
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let lines: Vec<&str> = p.lines().map(str::trim).collect();
            if lines.iter().all(|l| l.starts_with("- ")) {
                Block::List(lines.iter().map(|l| segments(&l[2..])).collect())
            } else {
                Block::Para(segments(&lines.join(" ")))
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
    let c = letterhead;
    let text = TextPart {
        body: &body,
        clinic_name: c.name,
        clinic_address: c.address,
        clinic_phone: c.phone,
        clinic_email: c.email,
        manage_url,
        unsubscribe_url,
    }
    .render()
    .map_err(|e| e.to_string())?;
    let html = HtmlPart {
        subject: &subject,
        blocks: blocks(&body),
        clinic_name: c.name,
        clinic_address: c.address,
        clinic_phone: c.phone,
        clinic_email: c.email,
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
            Block::Para(s) => assert_eq!(s.iter().filter(|s| s.href.is_some()).count(), 1),
            Block::List(_) => panic!("expected a paragraph"),
        }
    }
}
