//! The booking page keeps every choice (issue 12, item 2), shows a month calendar of the days
//! with free times for the chosen practitioner (item 3), names the time zone of its times, and
//! keeps the consent box beside its label, which links the versioned terms (item 5).

use crate::helpers::*;

/// The page as a browser reads its attributes (`&` escaped in links).
fn unescaped(html: &str) -> String {
    html.replace("&#38;", "&").replace("&amp;", "&")
}

/// The form that holds the time slots, from its opening tag to its end.
fn slot_form(html: &str) -> String {
    let with_slots: Vec<&str> = html
        .split("<form")
        .skip(1)
        .filter(|f| f.contains("name=\"start\""))
        .collect();
    assert_eq!(with_slots.len(), 1, "one form holds the times: {html}");
    let form = with_slots[0];
    form[..form.find("</form>").expect("closed form")].to_string()
}

#[tokio::test]
async fn a_practitioner_chosen_without_showing_times_is_the_one_booked() {
    let app = TestApp::spawn().await;
    // Opened for anyone; the patient then picks Lena in the list and a time, and continues
    // without pressing "Show free times": the browser sends what that one form holds.
    let (status, page) = app
        .get_text("/book/chemical-peel?date=2030-06-04&practitioner=any")
        .await;
    assert_eq!(status, 200);
    let form = slot_form(&page);
    assert!(
        form.contains("<select id=\"practitioner\" name=\"practitioner\">"),
        "the practitioner list is in the form that sends the time: {form}"
    );
    assert!(
        !form.contains("type=\"hidden\" name=\"practitioner\""),
        "no stale copy of the practitioner rides along: {form}"
    );
    assert!(form.contains("<option value=\"3\">Lena Fischer"), "{form}");
    assert!(
        form.contains("formaction=\"/book/chemical-peel\" formmethod=\"get\""),
        "Show free times asks for the day's times again: {form}"
    );
    let action = value_after(&form, " action=\"").expect("action");
    assert_eq!(action, "/book/chemical-peel/details");
    let start = "2030-06-04T10:00:00+01:00";
    assert!(slot_values(&form).contains(&start.to_string()), "{form}");
    let date = value_after(&form, "name=\"date\" type=\"date\" value=\"").expect("date");
    let query = format!(
        "date={date}&practitioner=3&start={}",
        start.replace(':', "%3A").replace('+', "%2B")
    );
    let (status, details) = app.details_page("chemical-peel", &query).await;
    assert_eq!(status, 200, "{details}");
    assert!(details.contains("Lena Fischer"), "{details}");
    let carried = value_after(&details, "name=\"practitioner\" value=\"").expect("practitioner");
    assert_eq!(carried, "3");
    let r = app
        .post_form(
            "/book/chemical-peel",
            &[
                ("start", start),
                ("practitioner", &carried),
                ("name", "Ann Lee"),
                ("email", "ann@example.org"),
                ("consent", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let (_, confirmation) = app.get_text(&location(&r)).await;
    assert!(confirmation.contains("Lena Fischer"), "{confirmation}");
    assert!(!confirmation.contains("Jonah Reyes"), "{confirmation}");
}

#[tokio::test]
async fn the_month_calendar_links_free_days_only_for_the_chosen_practitioner() {
    let app = TestApp::spawn().await;
    // Jonah's Thursday 6 June is booked full, one appointment after another.
    for n in 0..60 {
        let free = app.slots("chemical-peel", "2030-06-06", Some(2)).await;
        let Some(first) = free.first() else { break };
        let start = first["start"].as_str().expect("start").to_string();
        let email = format!("patient{n}@example.org");
        app.booked(
            "chemical-peel",
            &start,
            2,
            &Patient::new("Pat Full", &email),
        )
        .await;
    }
    assert!(
        app.slots("chemical-peel", "2030-06-06", Some(2))
            .await
            .is_empty()
    );

    let (status, page) = app
        .get_text("/book/chemical-peel?date=2030-06-04&practitioner=2")
        .await;
    assert_eq!(status, 200);
    let page = unescaped(&page);
    assert!(page.contains("<table class=\"calendar\">"), "{page}");
    assert!(page.contains("<caption>June 2030: days with free times are links</caption>"));
    // A free day is a link to its times, keeping the practitioner.
    assert!(
        page.contains("href=\"/book/chemical-peel?date=2030-06-05&practitioner=2\""),
        "{page}"
    );
    // The chosen day is marked for assistive technology, in words as well as looks.
    // Its link is named by the full date (hidden text, so the name and what is shown agree).
    assert!(
        page.contains(
            "aria-current=\"date\"><span class=\"visually-hidden\">Tuesday 4 June, free times</span>"
        ),
        "{page}"
    );
    // The full day, the closed Sunday and the past are plain text.
    assert!(!page.contains("date=2030-06-06&practitioner=2\""), "{page}");
    assert!(page.contains("<span class=\"no-free\">6</span>"), "{page}");
    assert!(page.contains("<span class=\"no-free\">9</span>"), "Sunday");
    assert!(
        page.contains("<span class=\"no-free\">2</span>"),
        "before today"
    );
    // For anyone, Lena still has room that Thursday.
    let (_, any) = app
        .get_text("/book/chemical-peel?date=2030-06-04&practitioner=any")
        .await;
    assert!(
        unescaped(&any).contains("href=\"/book/chemical-peel?date=2030-06-06&practitioner=any\"")
    );

    // The next month keeps the day and the practitioner; there is no month before the window.
    assert!(!page.contains("month=2030-05"));
    let next = "/book/chemical-peel?date=2030-06-04&practitioner=2&month=2030-07";
    assert!(page.contains(&format!("href=\"{next}\"")), "{page}");
    let (status, july) = app.get_text(next).await;
    assert_eq!(status, 200);
    let july = unescaped(&july);
    assert!(july.contains("<caption>July 2030"), "{july}");
    assert!(july.contains("href=\"/book/chemical-peel?date=2030-07-02&practitioner=2\""));
    assert!(
        july.contains("Free times on Tuesday 4 June 2030"),
        "the day shown is kept"
    );
    // A month that can't be read, or outside the window, shows the day's own month.
    let (status, odd) = app
        .get_text("/book/chemical-peel?date=2030-06-04&practitioner=2&month=1999-13")
        .await;
    assert_eq!(status, 200);
    assert!(odd.contains("<caption>June 2030"));
}

#[tokio::test]
async fn the_times_name_the_clinics_zone_as_it_is_that_day() {
    let app = TestApp::spawn().await;
    let (_, summer) = app
        .get_text("/book/chemical-peel?date=2030-06-04&practitioner=2")
        .await;
    assert!(
        summer.contains("Choose a start time (London time, BST)"),
        "{summer}"
    );
    assert!(!summer.contains("clinic time"));
    let app = TestApp::spawn_with(Options {
        now: "2030-01-07T08:00:00Z",
        ..Options::default()
    })
    .await;
    let (_, winter) = app
        .get_text("/book/chemical-peel?date=2030-01-08&practitioner=2")
        .await;
    assert!(
        winter.contains("Choose a start time (London time, GMT)"),
        "{winter}"
    );
}

#[tokio::test]
async fn the_consent_label_sits_beside_its_box_and_links_the_versioned_terms() {
    let app = TestApp::spawn().await;
    let (status, details) = app
        .details_page(
            "chemical-peel",
            "start=2030-06-04T10%3A00%3A00%2B01%3A00&practitioner=2",
        )
        .await;
    assert_eq!(status, 200, "{details}");
    let field = details
        .split("<div class=\"field checkbox")
        .nth(1)
        .and_then(|s| s.split("</div>").next())
        .expect("the consent field");
    assert!(field.contains("<input id=\"consent\""), "{field}");
    assert!(field.contains("<label for=\"consent\">"), "{field}");
    assert!(
        field.contains("href=\"/treatments/chemical-peel/consent?version=1\""),
        "{field}"
    );
    let (status, terms) = app
        .get_text("/treatments/chemical-peel/consent?version=1")
        .await;
    assert_eq!(status, 200, "{terms}");
    // The box keeps its size; the label takes the rest of the row (flex-basis 0 with room to
    // grow), so it wraps within itself rather than dropping onto a line of its own.
    let (_, css) = app.get_text("/static/app.css").await;
    assert!(
        css.contains(".field.checkbox { flex-direction: row;"),
        "{css}"
    );
    assert!(css.contains(".field.checkbox input[type=checkbox] { flex: none;"));
    assert!(css.contains(".field.checkbox label { flex: 1 1 0; min-width: 0; }"));
}

#[tokio::test]
async fn an_empty_last_day_of_a_month_points_into_the_next_month() {
    let app = TestApp::spawn().await;
    // Sunday 30 June 2030: the clinic is closed; the next day with room is Monday 1 July,
    // past the month the calendar shows (read apart from it), and the calendar stays on June.
    let (status, page) = app
        .get_text("/book/chemical-peel?date=2030-06-30&practitioner=any")
        .await;
    assert_eq!(status, 200);
    let page = unescaped(&page);
    let next = &page[page
        .find("The next day with free times is")
        .expect("a next free day")..];
    let next = &next[..next.find("</a>").expect("its link")];
    assert!(
        next.contains("href=\"/book/chemical-peel?date=2030-07-01&practitioner=any\""),
        "{next}"
    );
    assert!(next.contains("Monday 1 July 2030"), "{next}");
    assert!(page.contains("<caption>June 2030"), "{page}");
    // The same day with the calendar on July: the next free day is read with the month.
    let (status, july) = app
        .get_text("/book/chemical-peel?date=2030-06-30&practitioner=any&month=2030-07")
        .await;
    assert_eq!(status, 200);
    let july = unescaped(&july);
    assert!(july.contains("<caption>July 2030"), "{july}");
    assert!(
        july.contains("The next day with free times is <a href=\"/book/chemical-peel?date=2030-07-01&practitioner=any\">"),
        "{july}"
    );
}
