//! Issue 12 item 11: the audit trail reads as people talk — names for ids, the clinic's local
//! times, the patient beside "Appointment #N", one line per change.

use carepath::domain::staff::Role;

use crate::helpers::*;

#[tokio::test]
async fn the_trail_names_people_and_shows_local_times() {
    let app = TestApp::spawn().await;
    let id = app
        .booked("microdermabrasion", "2030-06-04T09:00:00+01:00", 2, &ANN)
        .await
        .id;
    let admin = app.staff(Role::Admin).await;
    let r = admin
        .post(
            &format!("/staff/appointments/{id}/reschedule"),
            &[
                ("start", "2030-06-05T10:00:00+01:00"),
                ("practitioner", "3"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303, "{}", r.text().await.unwrap());

    let (status, html) = admin
        .get_text("/staff/audit?subject_kind=appointment&action=appointment.reschedule")
        .await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&format!("Appointment #{id} · Ann Lee")),
        "{html}"
    );
    assert!(html.contains("Rescheduled"));
    // Names, not ids; the clinic's clock, not UTC; each change on its own line.
    assert!(
        html.contains(
            "<li><span class=\"field-name\">Practitioner</span>: <del>Jonah Reyes</del> → <ins>Lena Fischer</ins></li>"
        ),
        "{html}"
    );
    assert!(html.contains("<del>Tuesday 4 June 2030 at 09:00 (BST)</del>"));
    assert!(html.contains("<ins>Wednesday 5 June 2030 at 10:00 (BST)</ins>"));
    assert!(!html.contains("practitioner_id"));
    assert!(!html.contains("+00:00"));
    assert!(!html.contains("UTC"));
}
