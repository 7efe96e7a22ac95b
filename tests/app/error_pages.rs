//! 404 and 403 pages keep the site (issue 12, item 6): the header with the clinic's phone on
//! public pages, how to reach the clinic from a manage or unsubscribe link that opens nothing,
//! and for staff a way back into the console rather than to the public home page.

use carepath::domain::staff::Role;

use crate::helpers::*;

const PHONE: &str = "+44 20 7946 0000";

fn assert_public_frame(page: &str) {
    assert!(page.contains("<header class=\"site\">"), "{page}");
    assert!(page.contains("Carepath Skin Clinic"), "{page}");
    assert!(page.contains(PHONE), "the clinic's phone: {page}");
    assert!(page.contains("<footer class=\"site\">"), "{page}");
}

#[tokio::test]
async fn a_broken_manage_or_unsubscribe_link_says_how_to_reach_the_clinic() {
    let app = TestApp::spawn().await;
    for path in [
        format!("/appointments/{}", "A".repeat(32)),
        "/appointments/cut-short".to_string(),
        format!("/appointments/{}/reschedule", "A".repeat(32)),
        format!("/unsubscribe/{}", "A".repeat(32)),
    ] {
        let r = app.get(&path).await;
        assert_eq!(r.status().as_u16(), 404, "{path}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let page = r.text().await.unwrap();
        assert_public_frame(&page);
        assert!(page.contains("find that"), "{page}");
        assert!(
            page.contains(&format!("call us on <strong>{PHONE}</strong>")),
            "{page}"
        );
        assert!(page.contains("mailto:hello@carepath.example"), "{page}");
    }
}

#[tokio::test]
async fn an_unknown_page_keeps_the_site_header_and_phone() {
    let app = TestApp::spawn().await;
    let (status, page) = app.get_text("/no-such-page").await;
    assert_eq!(status, 404);
    assert_public_frame(&page);
    assert!(page.contains("<h1>Not found</h1>"), "{page}");
    assert!(page.contains("<a href=\"/\">Back to the clinic's home page</a>"));
    let (status, page) = app.get_text("/treatments/no-such-treatment").await;
    assert_eq!(status, 404);
    assert_public_frame(&page);
    // The API keeps answering JSON.
    let (status, body) = app
        .get_json(&format!("/api/v1/bookings/{}", "A".repeat(32)))
        .await;
    assert_eq!(status, 404);
    assert_eq!(body["error"], "not_found");
}

#[tokio::test]
async fn a_staff_403_or_404_leads_back_into_the_console() {
    let app = TestApp::spawn().await;
    let desk = app.staff(Role::FrontDesk).await;
    for (path, status) in [
        ("/staff/treatments", 403),
        ("/staff/audit", 403),
        ("/staff/appointments/99999", 404),
    ] {
        let (got, page) = desk.get_text(path).await;
        assert_eq!(got, status, "{path}: {page}");
        assert!(
            page.contains("<a class=\"button\" href=\"/staff\">Back to the staff console</a>"),
            "{path}: {page}"
        );
        assert!(page.contains("Carepath Skin Clinic · Staff"), "{page}");
        assert!(
            !page.contains("Back to the clinic's home page"),
            "not to the public home page"
        );
        assert_eq!(
            page.contains("ask an\n  administrator"),
            status == 403,
            "{path}: {page}"
        );
    }
    // A form posted without its CSRF token: refused, with the way back too.
    let r = desk.post_raw("/staff/password", &[]).await;
    let status = r.status().as_u16();
    let page = r.text().await.unwrap();
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("Back to the staff console"), "{page}");
}
