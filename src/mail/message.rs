//! Builds the MIME message for an [`Email`]: text and HTML as alternatives, the appointment as
//! an .ics attachment, and the one-click unsubscribe headers of RFC 8058.

use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, Message, MultiPart, SinglePart};

use super::email::Email;
use super::error::SendError;

/// `List-Unsubscribe: <https://…>` (RFC 2369): where a mail client's "unsubscribe" button goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListUnsubscribe(pub String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let s = s.trim();
        match s.strip_prefix('<').and_then(|s| s.strip_suffix('>')) {
            Some(url) if !url.is_empty() => Ok(Self(url.to_string())),
            _ => Err("List-Unsubscribe must be <url>".into()),
        }
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058): the client may unsubscribe
/// with a POST and no further page, so a mail scanner's GET never unsubscribes anyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListUnsubscribePost;

const ONE_CLICK: &str = "List-Unsubscribe=One-Click";

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        if s.trim() == ONE_CLICK {
            Ok(Self)
        } else {
            Err(format!("List-Unsubscribe-Post must be {ONE_CLICK}").into())
        }
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), ONE_CLICK.to_string())
    }
}

/// Why a message could not be built. Always permanent: the same input fails the same way.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("invalid recipient address '{0}'")]
    Recipient(String),
    #[error("cannot build the message: {0}")]
    Mime(String),
}

impl From<BuildError> for SendError {
    fn from(e: BuildError) -> Self {
        SendError::permanent(e.to_string())
    }
}

/// The MIME message, ready for a transport.
pub fn build(from: &Mailbox, email: &Email) -> Result<Message, BuildError> {
    let to: Mailbox = email
        .to
        .trim()
        .parse()
        .map_err(|_| BuildError::Recipient(email.to.clone()))?;
    let mut builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(email.subject.as_str())
        .date_now()
        .message_id(Some(format!("<{}>", email.message_id)));
    // A reply-to the clinic typed wrongly must not stop the email: it goes without one.
    if let Some(reply_to) = email
        .reply_to
        .as_deref()
        .and_then(|r| r.trim().parse::<Mailbox>().ok())
    {
        builder = builder.reply_to(reply_to);
    }
    if let Some(url) = &email.unsubscribe_url {
        builder = builder
            .header(ListUnsubscribe(url.clone()))
            .header(ListUnsubscribePost);
    }
    let alternative = MultiPart::alternative_plain_html(email.text.clone(), email.html.clone());
    let body = match &email.ics {
        None => alternative,
        Some(ics) => {
            // RFC 6047: the Content-Type's method is the file's own METHOD.
            let calendar = ContentType::parse(&format!(
                "text/calendar; charset=utf-8; method={}",
                ics_method(ics)
            ))
            .map_err(|e| BuildError::Mime(e.to_string()))?;
            let attachment: SinglePart =
                Attachment::new("appointment.ics".to_string()).body(ics.clone(), calendar);
            MultiPart::mixed()
                .multipart(alternative)
                .singlepart(attachment)
        }
    };
    builder
        .multipart(body)
        .map_err(|e| BuildError::Mime(e.to_string()))
}

/// The METHOD the calendar file declares (PUBLISH when it names none).
fn ics_method(ics: &str) -> &str {
    ics.lines()
        .find_map(|l| l.strip_prefix("METHOD:"))
        .map(str::trim)
        .filter(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_alphabetic()))
        .unwrap_or("PUBLISH")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email() -> Email {
        Email {
            to: "Ann Lee <ann@example.org>".into(),
            subject: "Your peel on Tuesday – what to expect".into(),
            text: "Hello Ann".into(),
            html: "<p>Hello Ann</p>".into(),
            message_id: "outbox-7.abc@carepath.example".into(),
            unsubscribe_url: None,
            ics: None,
            reply_to: None,
        }
    }

    fn from() -> Mailbox {
        "Carepath <no-reply@carepath.example>"
            .parse()
            .expect("from")
    }

    fn text(m: &Message) -> String {
        String::from_utf8(m.formatted()).expect("utf-8")
    }

    #[test]
    fn alternative_text_and_html_with_headers() {
        let m = text(&build(&from(), &email()).expect("builds"));
        assert!(
            m.contains("Message-ID: <outbox-7.abc@carepath.example>\r\n"),
            "{m}"
        );
        assert!(m.contains("multipart/alternative"));
        assert!(!m.contains("multipart/mixed"));
        assert!(m.contains("text/plain") && m.contains("text/html"));
        assert!(!m.contains("List-Unsubscribe"));
        assert!(m.contains("Date: "));
    }

    #[test]
    fn ics_makes_it_mixed_with_a_calendar_attachment() {
        let mut e = email();
        e.ics = Some("BEGIN:VCALENDAR\r\nMETHOD:PUBLISH\r\nEND:VCALENDAR\r\n".into());
        let m = text(&build(&from(), &e).expect("builds"));
        assert!(m.contains("multipart/mixed") && m.contains("multipart/alternative"));
        assert!(
            m.contains("text/calendar; charset=utf-8; method=PUBLISH"),
            "{m}"
        );
        assert!(m.contains("filename=\"appointment.ics\""), "{m}");
        e.ics = Some("BEGIN:VCALENDAR\r\nMETHOD:CANCEL\r\nEND:VCALENDAR\r\n".into());
        let m = text(&build(&from(), &e).expect("builds"));
        assert!(m.contains("method=CANCEL"), "{m}");
    }

    #[test]
    fn reply_to_goes_to_the_clinic() {
        let mut e = email();
        e.reply_to = Some("desk@clinic.example".into());
        let m = text(&build(&from(), &e).expect("builds"));
        assert!(m.contains("Reply-To: desk@clinic.example\r\n"), "{m}");
        e.reply_to = Some("not an address".into());
        let m = text(&build(&from(), &e).expect("still builds"));
        assert!(!m.contains("Reply-To"));
    }

    #[test]
    fn unsubscribe_headers() {
        let mut e = email();
        e.unsubscribe_url = Some("https://clinic.example/unsubscribe/tok".into());
        let m = text(&build(&from(), &e).expect("builds"));
        assert!(m.contains("List-Unsubscribe: <https://clinic.example/unsubscribe/tok>\r\n"));
        assert!(m.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
        assert_eq!(
            ListUnsubscribe::parse("<https://x/y>").ok(),
            Some(ListUnsubscribe("https://x/y".into()))
        );
        assert!(ListUnsubscribePost::parse("nope").is_err());
    }

    #[test]
    fn a_bad_recipient_is_refused() {
        let mut e = email();
        e.to = "not an address".into();
        assert!(matches!(build(&from(), &e), Err(BuildError::Recipient(_))));
    }
}
