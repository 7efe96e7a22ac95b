//! Issue 12 item 1: the patient's reschedule page keeps the current practitioner and day unless
//! asked otherwise, shows what the appointment is now, and says plainly when the new time is
//! with someone else.

use crate::helpers::*;

#[tokio::test]
async fn rescheduling_keeps_the_practitioner_and_day_and_says_when_that_changes() {
    let app = TestApp::spawn().await;
    let b = app
        .booked("microneedling", "2030-06-05T11:00:00+01:00", 2, &ANN)
        .await;
    let page_path = format!("/appointments/{}", b.token);
    let (status, pick) = app.get_text(&format!("{page_path}/reschedule")).await;
    assert_eq!(status, 200, "{pick}");
    assert!(
        pick.contains("(now: Wednesday 5 June 2030 at 11:00 (BST) with Jonah Reyes)"),
        "{pick}"
    );
    assert!(pick.contains("value=\"2030-06-05\""), "its own day");
    assert!(
        pick.contains("<option value=\"2\" selected>"),
        "its own practitioner"
    );
    // Anyone may be asked for, and then the change of practitioner is said plainly.
    let (_, anyone) = app
        .get_text(&format!(
            "{page_path}/reschedule?date=2030-06-06&practitioner=1"
        ))
        .await;
    let starts = slot_values(&anyone);
    assert!(!starts.is_empty(), "{anyone}");
    let r = app
        .post_form(
            &format!("{page_path}/reschedule"),
            &[("start", starts[0].as_str()), ("practitioner", "1")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(location(&r), format!("{page_path}?done=rescheduled-other"));
    let (_, page) = app.get_text(&location(&r)).await;
    assert!(
        page.contains("it is now with Dr. Amara Okafor, not with the practitioner you had before"),
        "{page}"
    );
    // The same practitioner: just "moved".
    let (_, again) = app
        .get_text(&format!("{page_path}/reschedule?date=2030-06-07"))
        .await;
    let starts = slot_values(&again);
    let r = app
        .post_form(
            &format!("{page_path}/reschedule"),
            &[("start", starts[0].as_str()), ("practitioner", "1")],
        )
        .await;
    assert_eq!(location(&r), format!("{page_path}?done=rescheduled"));
}

/// Issue 12 item 4: the patient's cancel is a question first; the confirmation page says an
/// email is on its way; a cancelled appointment's page offers "Book again".
#[tokio::test]
async fn cancelling_asks_first_and_the_cancelled_page_offers_to_book_again() {
    let app = TestApp::spawn().await;
    let b = app
        .booked("microneedling", "2030-06-05T11:00:00+01:00", 2, &ANN)
        .await;
    let page_path = format!("/appointments/{}", b.token);
    let (_, confirmation) = app.get_text(&format!("{page_path}/confirmation")).await;
    assert!(
        confirmation.contains("sending a confirmation email to <strong>ann@example.org</strong>"),
        "{confirmation}"
    );
    let (_, page) = app.get_text(&page_path).await;
    // The red button sits inside a closed question.
    let step = &page[page
        .find("<details class=\"cancel-step\">")
        .expect("a closed step")..];
    assert!(step.starts_with(
        "<details class=\"cancel-step\">\n  <summary>Cancel this appointment…</summary>"
    ));
    assert!(step.contains("Are you sure?"));
    assert!(step[..step.find("</details>").unwrap()].contains("Yes, cancel this appointment"));
    let r = app
        .post_form(&format!("{page_path}/cancel"), &[("reason", "")])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let (_, cancelled) = app.get_text(&location(&r)).await;
    assert!(cancelled.contains("has been cancelled"));
    assert!(cancelled.contains("<a class=\"button\" href=\"/book/microneedling\">Book again</a>"));
}
