//! The daily email to the clinic listing sessions nobody closed (its own Askama templates:
//! a staff message, not a care plan step).

use askama::Template;

use super::compose::Letterhead;

/// One session in the summary.
pub struct SummaryLine {
    pub when: String,
    pub treatment: String,
    pub patient: String,
    pub practitioner: String,
    pub status: String,
    /// The session's page in the console.
    pub url: String,
}

#[derive(Template)]
#[template(path = "email/unclosed.txt")]
struct TextPart<'a> {
    lines: &'a [SummaryLine],
    clinic_name: &'a str,
}

#[derive(Template)]
#[template(path = "email/unclosed.html")]
struct HtmlPart<'a> {
    subject: &'a str,
    lines: &'a [SummaryLine],
    clinic_name: &'a str,
}

/// The subject, text part and HTML part of the summary.
pub fn compose_unclosed(
    letterhead: &Letterhead<'_>,
    lines: &[SummaryLine],
) -> Result<(String, String, String), String> {
    let subject = match lines.len() {
        1 => "1 session not closed: its patient gets no aftercare yet".to_string(),
        n => format!("{n} sessions not closed: their patients get no aftercare yet"),
    };
    let text = TextPart {
        lines,
        clinic_name: letterhead.name,
    }
    .render()
    .map_err(|e| e.to_string())?;
    let html = HtmlPart {
        subject: &subject,
        lines,
        clinic_name: letterhead.name,
    }
    .render()
    .map_err(|e| e.to_string())?;
    Ok((subject, text, html))
}
