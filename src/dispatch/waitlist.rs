//! Renders a waitlist offer email (issue 11) at the moment it is sent: the freed time in the
//! clinic's words as true now, a claim link and a leave link, each a fresh secret whose digest
//! the dispatcher stores before sending (no raw token is ever stored).

use crate::db::models::{OutboxRow, from_db};
use crate::db::waitlist as db;
use crate::db::{DbConnection, practitioners, treatments};
use crate::domain::message_words::{Facts, placeholder_values};
use crate::domain::treatment::price_range_label;
use crate::domain::waitlist::{EntryStatus, OfferStatus};
use crate::mail::Email;
use crate::mail::compose::compose;
use crate::service::clinic;
use crate::service::links::Grant;
use crate::service::waitlist::mint;

use super::rendered::{RenderContext, Rendered};

const SUBJECT: &str = "A {treatment} time has come free {day} at {time}";

fn body(hours: i32) -> String {
    format!(
        "Hello {{patient_name}},\n\n\
         A time you were waiting for has come free at {{clinic_name}}:\n\n\
         - {{treatment_name}} {{day}} at {{time}} ({{when}})\n\
         - with {{practitioner}}, {{duration}}, {{price}}\n\n\
         We have sent this to the first few patients on the waitlist: the first to claim it gets \
         it. To book it, open this link and confirm: {{claim_url}}\n\n\
         The link works for {hours} hours from this email, and not once the time is too close to \
         book online. If someone is faster, you stay on the waitlist and we'll email you when \
         another time comes free.\n\n\
         No longer need it? Leave the waitlist: {{leave_url}}"
    )
}

pub fn render(
    conn: &mut DbConnection,
    row: &OutboxRow,
    ctx: &RenderContext,
) -> Result<Rendered, String> {
    let e = |e: diesel::result::Error| e.to_string();
    let offer = db::offer_by_key(conn, &row.dedupe_key)
        .map_err(e)?
        .ok_or("its waitlist offer was deleted")?;
    let entry = db::entry(conn, offer.entry_id).map_err(e)?;
    if entry.status != EntryStatus::Waiting.as_str() {
        return Ok(Rendered::Skip(
            "the patient is no longer on the waitlist".into(),
        ));
    }
    if offer.status != OfferStatus::Open.as_str() {
        return Ok(Rendered::Skip(format!("the offer is {}", offer.status)));
    }
    let clinic = clinic::load(conn).map_err(|e| e.to_string())?;
    let start = from_db(offer.starts_at);
    if start - clinic.rules.lead_time <= ctx.now {
        return Ok(Rendered::Skip(
            "the time is too close to book online now".into(),
        ));
    }
    let treatment = treatments::treatment(conn, entry.treatment_id).map_err(e)?;
    let practitioner = practitioners::practitioner(conn, offer.practitioner_id).map_err(e)?;
    let (claim, claim_row) = mint("claim", entry.id, Some(offer.id), ctx.now);
    let (leave, leave_row) = mint("leave", entry.id, None, ctx.now);
    let claim_url = format!("{}/waitlist/claim/{}", ctx.base_url, claim.as_str());
    let leave_url = format!("{}/waitlist/leave/{}", ctx.base_url, leave.as_str());
    let mut values = placeholder_values(&Facts {
        now: ctx.now,
        tz: clinic.tz,
        cutoff: clinic.cutoff,
        patient_name: &entry.name,
        treatment_name: &treatment.name,
        start,
        duration_minutes: treatment.duration_minutes,
        practitioner: &practitioner.name,
        price: price_range_label(
            clinic.currency,
            treatment.price_min_cents,
            treatment.price_max_cents,
        ),
        clinic_name: &clinic.row.name,
        clinic_phone: &clinic.row.phone,
        clinic_address: &clinic.row.address,
        manage_url: "",
        book_url: "",
    });
    values.push(("claim_url", claim_url));
    values.push(("leave_url", leave_url));
    let pairs: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let hours = clinic.row.waitlist_claim_hours.max(1);
    // The window is counted from the send: said in hours, not as a clock time.
    let composed = compose(
        &clinic.letterhead(),
        SUBJECT,
        &body(hours),
        &pairs,
        None,
        None,
    )?;
    Ok(Rendered::Send(
        Email {
            to: row.recipient.clone(),
            subject: composed.subject,
            text: composed.text,
            html: composed.html,
            message_id: format!("{}@{}", row.message_id, ctx.host),
            unsubscribe_url: None,
            ics: None,
            reply_to: Some(clinic.letterhead().reply_to.to_string()),
        },
        vec![Grant::waitlist(claim_row), Grant::waitlist(leave_row)],
    ))
}
