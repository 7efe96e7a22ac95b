//! The booking pages and the API ask one availability service, so they refuse the same things
//! for the same reasons; and the page cache in front of both goes stale by what was written, not
//! by how the write arrived.

use carepath::service::audit::Actor;

use crate::helpers::*;

const REFUSED: &str = "That practitioner doesn't exist or doesn't perform this treatment.";
/// The same, as the page escapes it.
const REFUSED_HTML: &str =
    "That practitioner doesn&#39;t exist or doesn&#39;t perform this treatment.";

fn start_values(html: &str) -> Vec<String> {
    html.split("name=\"start\" value=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn an_unqualified_or_unknown_practitioner_is_refused_by_page_and_api_alike() {
    let app = TestApp::spawn().await;
    // Jonah Reyes (2) doesn't do laser resurfacing; nobody is 99.
    for (treatment, practitioner) in [("laser-resurfacing", 2), ("chemical-peel", 99)] {
        let query = format!("date=2030-06-06&practitioner={practitioner}");
        let (status, e) = app
            .get_json(&format!(
                "/api/v1/availability?treatment={treatment}&{query}"
            ))
            .await;
        assert_eq!(status, 422, "{e}");
        assert_eq!(e["fields"]["practitioner"], REFUSED);

        // The page says so (not a silent "anyone"), twice: a refusal is never cached.
        for _ in 0..2 {
            let (status, page) = app.get_text(&format!("/book/{treatment}?{query}")).await;
            assert_eq!(status, 422);
            assert!(page.contains(REFUSED_HTML), "{page}");
            assert!(
                !start_values(&page).is_empty(),
                "everyone's times are offered beneath the reason"
            );
        }
    }
    // A qualified choice is answered as before.
    let (status, _) = app
        .get_text("/book/chemical-peel?date=2030-06-06&practitioner=2")
        .await;
    assert_eq!(status, 200);

    // Rescheduling asks the same service.
    let (_, b) = app
        .book(
            "microneedling",
            "2030-06-05T11:00:00+01:00",
            Some(2),
            "ann@example.org",
        )
        .await;
    let token = token_of(b["manage_url"].as_str().unwrap());
    let (status, page) = app
        .get_text(&format!(
            "/appointments/{token}/reschedule?date=2030-06-06&practitioner=99"
        ))
        .await;
    assert_eq!(status, 422);
    assert!(page.contains(REFUSED_HTML), "{page}");
    let (status, e) = app
        .post_json(
            &format!("/api/v1/bookings/{token}/reschedule"),
            &serde_json::json!({"start": "2030-06-06T14:00:00+01:00", "practitioner": 99}),
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(e["fields"]["practitioner"], REFUSED);
}

#[tokio::test]
async fn a_write_outside_any_request_makes_the_cached_pages_stale_at_once() {
    let app = TestApp::spawn().await;
    let ten = "2030-06-04T10:00:00+01:00".to_string();
    let (status, b) = app
        .book("microdermabrasion", &ten, Some(2), "ann@example.org")
        .await;
    assert_eq!(status, 201, "{b}");
    let token = token_of(b["manage_url"].as_str().unwrap());
    let api_starts = |slots: Vec<serde_json::Value>| -> Vec<String> {
        slots
            .iter()
            .map(|s| s["start"].as_str().unwrap().to_string())
            .collect()
    };
    let page_path = "/book/microdermabrasion?date=2030-06-04&practitioner=2";
    // Both reads are now cached, with 10:00 taken.
    assert!(
        !api_starts(app.slots("microdermabrasion", "2030-06-04", Some(2)).await).contains(&ten)
    );
    assert!(!start_values(&app.get_text(page_path).await.1).contains(&ten));

    // A cancellation that is no HTTP request (a job, the command line) …
    let mut conn = app.state.pool.get().expect("conn");
    carepath::service::booking::cancel(
        &mut conn,
        app.clock.now(),
        &token,
        None,
        &Actor::Patient {
            label: "test".into(),
        },
    )
    .expect("cancelled");
    drop(conn);

    // … frees the time on both at once, well inside the cache's lifetime.
    assert!(api_starts(app.slots("microdermabrasion", "2030-06-04", Some(2)).await).contains(&ten));
    assert!(start_values(&app.get_text(page_path).await.1).contains(&ten));
}
