//! Issue 12 item 12: the message log is paged, filtered by status, kind and patient (the paging
//! links keep the filters), and a planned message's action says what it does — "Don't send this
//! message" — in a style apart from cancelling an appointment.

use carepath::domain::staff::Role;

use crate::helpers::mail::{add_rows, app_with_appointment};
use crate::helpers::*;

#[tokio::test]
async fn the_message_log_filters_pages_and_names_its_action() {
    let (app, ann) = app_with_appointment().await;
    let bea = Patient::new("Bea Cole", "bea@example.org");
    let bea_id = app
        .booked("chemical-peel", "2030-06-05T11:30:00+01:00", 3, &bea)
        .await
        .id;
    // 60 reminders and 2 aftercare emails of Ann's, and the emails Bea's booking planned.
    add_rows(&app, ann, "ann", "reminder", 60, t("2030-06-03T12:00:00Z"));
    add_rows(
        &app,
        ann,
        "ann-after",
        "aftercare",
        2,
        t("2030-06-03T13:00:00Z"),
    );
    let admin = app.staff(Role::Admin).await;

    // 50 a page; the next page keeps the filters.
    let (s, html) = admin.get_text("/staff/messages?kind=reminder").await;
    assert_eq!(s, 200);
    assert_eq!(html.matches("<tr class=\"msg-").count(), 50, "{html}");
    assert!(!html.contains("ann-after-0@example.org"), "only reminders");
    let reminders = of_kind(&app.outbox(), "reminder").len();
    assert!(reminders >= 60);
    assert!(
        html.contains("Ann Lee, <a href=\"/staff/appointments/"),
        "patient named"
    );
    let older = "/staff/messages?status=&amp;kind=reminder&amp;patient=&amp;page=1";
    assert!(html.contains(older), "{html}");
    let (_, html) = admin.get_text(&older.replace("&amp;", "&")).await;
    assert_eq!(html.matches("<tr class=\"msg-").count(), reminders - 50);
    assert!(html.contains("← Newer"));

    // By patient: name or email, any case.
    let (_, html) = admin.get_text("/staff/messages?patient=BEA+c").await;
    assert!(html.contains("bea@example.org"));
    assert!(!html.contains("ann-0@example.org"));
    let (_, html) = admin.get_text("/staff/messages?patient=ann-after").await;
    assert_eq!(html.matches("<tr class=\"msg-").count(), 2);
    // Wildcards are taken literally.
    let (_, html) = admin.get_text("/staff/messages?patient=%25").await;
    assert!(html.contains("No messages."));

    // By status, with the form showing the choice.
    let prep = of_kind(&app.outbox_of(bea_id), "preparation")[0].id;
    let r = admin
        .post(
            &format!("/staff/messages/{prep}/cancel"),
            &[("back", "/staff/messages?status=planned&kind=&patient=bea")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        location(&r),
        "/staff/messages?status=planned&kind=&patient=bea&done=cancel"
    );
    let (_, html) = admin.get_text("/staff/messages?status=cancelled").await;
    assert!(html.contains("<option value=\"cancelled\" selected>"));
    assert_eq!(html.matches("<tr class=\"msg-").count(), 1);
    assert!(html.contains("Not sent (cancelled)"));

    // The action says what it does and isn't the red appointment-cancel button.
    let (_, html) = admin.get_text("/staff/messages?patient=bea").await;
    assert!(
        html.contains("<button type=\"submit\" class=\"quiet\">Don't send this message</button>")
    );
    assert!(!html.contains("class=\"danger\">Cancel</button>"));
    let (_, html) = admin
        .get_text("/staff/messages?patient=bea&done=cancel")
        .await;
    assert!(html.contains("be sent. The appointment is unchanged."));
}
