//! Issue 12 items 8 and 14: every public and staff page passes the Nu HTML Checker with no
//! errors, fits a 390 px phone and a 768 px tablet (`scrollWidth <= innerWidth`), and has no
//! serious or critical axe-core violations; screenshots of the day and week views and the
//! appointment page at both widths go to target/screenshots/.
//!
//! The checkers are npm packages (`vnu-jar`, run with Java; `axe-core`) that `.ci/run` installs
//! into `$CAREPATH_WEBTOOLS` (default /var/tmp/carepath-webtools). Outside CI a missing one
//! skips its test with a note; in CI (CI set) it is a failure.

use std::path::PathBuf;
use std::process::Command;

use carepath::domain::staff::Role;
use fantoccini::{Client, Locator};
use serde_json::Value;

use crate::browser::{browser, log_in, save};
use crate::helpers::*;
use crate::staff_routes::all_routes;

const WIDTHS: [u32; 2] = [390, 768];

fn webtools() -> PathBuf {
    std::env::var("CAREPATH_WEBTOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from("/var/tmp/carepath-webtools"))
}

/// A file of an npm package in the web tools folder, or None (with a note) outside CI.
fn tool(relative: &str, package: &str) -> Option<PathBuf> {
    let path = webtools().join("node_modules").join(relative);
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var("CI").is_err(),
        "CI must install the npm package {package} into {} (see .ci/run)",
        webtools().display()
    );
    eprintln!(
        "skipped: needs the npm package {package} in {} (`bash .ci/run` installs it)",
        webtools().display()
    );
    None
}

/// The app with something on every page: two bookings on Tuesday 4 June (one inside Lena's
/// time off), a manage link, an unsubscribe link, and a waitlist entry holding an open offer
/// (its claim and leave links).
struct Site {
    app: TestApp,
    appointment: i32,
    token: String,
    unsubscribe: String,
    waitlist_entry: i32,
    claim: String,
    leave: String,
}

/// Wendy waits for a chemical peel on Tuesday 11 June; Carl's peel that day is cancelled, so
/// its time is offered to her and the offer email (sent through a real SMTP listener) carries
/// her claim and leave links.
async fn waitlist_offer(app: &TestApp) -> (i32, String, String) {
    use crate::waitlist::{link_token, offer_mail, send_due};
    let carl = Patient::new("Carl Cancel", "carl@example.org");
    let freed = app
        .booked("chemical-peel", "2030-06-11T10:00:00+01:00", 2, &carl)
        .await;
    let (status, body) = app
        .post_json(
            "/api/v1/waitlist",
            &serde_json::json!({"treatment": "chemical-peel", "from": "2030-06-11",
                                "name": "Wendy Waiting", "email": "wendy@example.org"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let server = crate::helpers::smtp_server::SmtpServer::start().await;
    let at = app.clock.now();
    send_due(app, &server, at).await;
    let (status, body) = app
        .post_json(
            &format!("/api/v1/bookings/{}/cancel", freed.token),
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let got = send_due(app, &server, at).await;
    let text = offer_mail(&got, "wendy@example.org").1;
    let (claim, leave) = (link_token(&text, "claim"), link_token(&text, "leave"));
    // The pages checked are the open offer's, with its form.
    let (status, page) = app.get_text(&format!("/waitlist/claim/{claim}")).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Book this time"), "{page}");
    let (status, page) = app.get_text(&format!("/waitlist/leave/{leave}")).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Leave the waitlist"), "{page}");
    let mut c = app.state.pool.get().expect("conn");
    let entries = carepath::db::waitlist::of_email(&mut c, "wendy@example.org").expect("entry");
    (entries[0].id, claim, leave)
}

async fn site() -> Site {
    let app = TestApp::spawn().await;
    let ann = app
        .booked("microdermabrasion", "2030-06-04T09:00:00+01:00", 2, &ANN)
        .await;
    let bea = Patient::new("Bea Gonzalez-Whitfield", "bea@example.org");
    let peel = app
        .booked("chemical-peel", "2030-06-04T11:00:00+01:00", 3, &bea)
        .await;
    let admin = app.staff(Role::Admin).await;
    let r = admin
        .post(
            "/staff/practitioners/3/time-off",
            &[
                ("starts", "2030-06-04T10:00"),
                ("ends", "2030-06-04T13:00"),
                ("reason", "Training"),
                ("confirm", "yes"),
                ("seen", &peel.id.to_string()),
            ],
        )
        .await;
    assert!(r.status().is_success(), "time off: {}", r.status());
    let patient = app.appointment(ann.id).patient_id;
    let (waitlist_entry, claim, leave) = waitlist_offer(&app).await;
    Site {
        waitlist_entry,
        claim,
        leave,
        unsubscribe: app.unsubscribe_token(patient),
        appointment: ann.id,
        token: ann.token,
        app,
    }
}

fn public_pages(s: &Site) -> Vec<String> {
    let t = &s.token;
    vec![
        "/".into(),
        "/privacy".into(),
        "/treatments/chemical-peel".into(),
        "/book/chemical-peel".into(),
        "/book/chemical-peel?date=2030-06-04&practitioner=any".into(),
        "/book/chemical-peel/details?start=2030-06-05T10%3A00%3A00%2B01%3A00&practitioner=any"
            .into(),
        format!("/appointments/{t}"),
        format!("/appointments/{t}/confirmation"),
        format!("/appointments/{t}/reschedule"),
        format!("/unsubscribe/{}", s.unsubscribe),
        // The waitlist (issue 11): a closed day's "Join the waitlist" form, and the join page.
        "/book/chemical-peel?date=2030-06-09&practitioner=any".into(),
        "/waitlist/chemical-peel?date=2030-06-09&practitioner=2".into(),
        // An open offer's claim page (consent box and button) and the leave page.
        format!("/waitlist/claim/{}", s.claim),
        format!("/waitlist/leave/{}", s.leave),
        "/no-such-page".into(),
    ]
}

/// Every staff page an admin can open: the route list of the authorization walk, with real ids,
/// and the views worth seeing with data.
fn staff_pages(s: &Site) -> Vec<String> {
    let mut pages: Vec<String> = all_routes()
        .into_iter()
        .filter(|r| !r.post)
        .map(|r| {
            r.path
                .replace("{appointment}", &s.appointment.to_string())
                .replace("{patient}", "1")
                .replace("{practitioner}", "3")
                .replace("{treatment}", "1")
                .replace("{staff}", "1")
                .replace("{message}", "1")
                .replace("{step}", "1")
                .replace("{entry}", &s.waitlist_entry.to_string())
        })
        .filter(|p| !p.ends_with(".csv") && !p.ends_with(".json") && !p.contains(".csv?"))
        .collect();
    pages.extend([
        "/staff/day?date=2030-06-04".to_string(),
        "/staff/week?date=2030-06-04&practitioner=all".into(),
        "/staff/week?date=2030-06-04&practitioner=3".into(),
        "/staff/book?treatment=chemical-peel&date=2030-06-05&practitioner=any&name=Ann+Lee&email=ann%40example.org".into(),
        "/staff/patients?q=ann".into(),
        format!(
            "/staff/appointments/{}/reschedule?date=2030-06-05",
            s.appointment
        ),
        "/staff/no-such-page".into(),
    ]);
    pages.sort();
    pages.dedup();
    pages
}

#[tokio::test]
async fn every_page_passes_the_nu_html_checker() {
    let Some(jar) = tool("vnu-jar/build/dist/vnu.jar", "vnu-jar") else {
        return;
    };
    let s = site().await;
    let admin = s.app.staff(Role::FrontDesk).await;
    let admin_all = s.app.login_as("admin@clinic.example", STAFF_PASSWORD).await;
    let dir = std::env::temp_dir().join(format!("carepath-vnu-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    let anonymous = s.app.get_text("/staff/login").await.1;
    let mut pages: Vec<(String, String)> = vec![("/staff/login".into(), anonymous)];
    for p in public_pages(&s) {
        let (_, html) = s.app.get_text(&p).await;
        pages.push((p, html));
    }
    for p in staff_pages(&s) {
        let (_, html) = admin_all.get_text(&p).await;
        pages.push((p, html));
    }
    // The front desk's frame differs (no set-up menu).
    pages.push((
        "/staff/day (front desk)".into(),
        admin.get_text("/staff/day").await.1,
    ));
    for (i, (path, html)) in pages.iter().enumerate() {
        assert!(
            html.starts_with("<!doctype html>"),
            "{path} is a page: {html}"
        );
        let f = dir.join(format!("page-{i}.html"));
        std::fs::write(&f, html).unwrap();
        files.push(f);
    }
    let out = Command::new("java")
        .arg("-jar")
        .arg(&jar)
        .args(["--errors-only", "--format", "json"])
        .args(&files)
        .output()
        .expect("run java (CI installs a Java runtime: see .ci/run)");
    let report: Value = serde_json::from_slice(&out.stderr)
        .unwrap_or_else(|_| panic!("vnu's report: {}", String::from_utf8_lossy(&out.stderr)));
    let mut errors = Vec::new();
    for m in report["messages"].as_array().into_iter().flatten() {
        if m["type"] != "error" && m["subType"] != "fatal" {
            continue;
        }
        let url = m["url"].as_str().unwrap_or("");
        let page = files
            .iter()
            .position(|f| url.ends_with(&f.file_name().unwrap().to_string_lossy().to_string()))
            .map(|i| pages[i].0.as_str())
            .unwrap_or(url);
        errors.push(format!(
            "{page} line {}: {} [{}]",
            m["lastLine"],
            m["message"].as_str().unwrap_or(""),
            m["extract"].as_str().unwrap_or("").trim()
        ));
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        errors.is_empty(),
        "{} Nu HTML Checker errors on {} pages:\n{}",
        errors.len(),
        pages.len(),
        errors.join("\n")
    );
    eprintln!("Nu HTML Checker: {} pages, no errors", pages.len());
}

/// What sticks out past the right edge, for the failure message.
const OVERFLOW: &str = r#"
const w = window.innerWidth;
const wide = [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > w + 0.5)
  .filter(e => ![...e.children].some(c => c.getBoundingClientRect().right > w + 0.5))
  .slice(0, 4)
  .map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ').join('.') : '')
    + ' ' + Math.round(e.getBoundingClientRect().right) + 'px');
return [document.documentElement.scrollWidth, w, wide];
"#;

const AXE_RUN: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, { resultTypes: ['violations'] })
  .then(r => done(r.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))))
  .catch(e => done(['axe failed: ' + e]));
"#;

#[tokio::test]
async fn every_page_fits_a_phone_and_a_tablet_and_passes_axe() {
    let Some(axe_path) = tool("axe-core/axe.min.js", "axe-core") else {
        return;
    };
    let axe = std::fs::read_to_string(axe_path).unwrap();
    let Some(browser) = browser().await else {
        return;
    };
    let b = &browser.client;
    let s = site().await;
    let app = &s.app;
    let mut problems = Vec::new();
    let mut checked = 0;
    // Public pages first, then the console (logged in through the real form).
    let mut pages: Vec<(bool, String)> = public_pages(&s).into_iter().map(|p| (false, p)).collect();
    pages.push((false, "/staff/login".into()));
    pages.extend(staff_pages(&s).into_iter().map(|p| (true, p)));
    let mut logged_in = false;
    for (staff, page) in &pages {
        if *staff && !logged_in {
            log_in(b, app, "admin@clinic.example").await;
            logged_in = true;
        }
        for width in WIDTHS {
            b.set_window_size(width, 900).await.unwrap();
            b.goto(&app.url(page)).await.unwrap();
            let v = b.execute(OVERFLOW, vec![]).await.unwrap();
            let (sw, iw) = (v[0].as_i64().unwrap_or(0), v[1].as_i64().unwrap_or(0));
            if iw != i64::from(width) {
                problems.push(format!("{page} @{width}: the viewport is {iw} px"));
            }
            if sw > iw {
                problems.push(format!(
                    "{page} @{width}: {sw} px wide in a {iw} px window; sticking out: {}",
                    v[2]
                ));
            }
            b.execute(&axe, vec![]).await.unwrap();
            let found = b.execute_async(AXE_RUN, vec![]).await.unwrap();
            for f in found.as_array().into_iter().flatten() {
                problems.push(format!("{page} @{width}: axe {}", f.as_str().unwrap_or("")));
            }
            checked += 1;
        }
    }
    // At 1280 px the admin's navigation is one line (it wrapped with thirteen links).
    b.set_window_size(1280, 900).await.unwrap();
    b.goto(&app.url("/staff/treatments")).await.unwrap();
    let nav = b
        .execute(
            "const n = document.querySelector('.nav-wide'); const items = [...n.children]; \
             return [getComputedStyle(n).display, new Set(items.map(i => Math.round(i.getBoundingClientRect().top))).size, \
             n.scrollWidth <= n.clientWidth];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        nav,
        serde_json::json!(["flex", 1, true]),
        "one line of links at 1280 px"
    );
    // Screenshots of the views the issue names, at both widths.
    let shots = [
        ("day", "/staff/day?date=2030-06-04".to_string()),
        (
            "week-everyone",
            "/staff/week?date=2030-06-04&practitioner=all".into(),
        ),
        (
            "week-lena",
            "/staff/week?date=2030-06-04&practitioner=3".into(),
        ),
        (
            "appointment",
            format!("/staff/appointments/{}", s.appointment),
        ),
    ];
    for (name, page) in &shots {
        for width in WIDTHS {
            b.set_window_size(width, 1100).await.unwrap();
            b.goto(&app.url(page)).await.unwrap();
            save(b, &format!("{name}-{width}.png")).await;
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems over {checked} page loads:\n{}",
        problems.len(),
        problems.join("\n")
    );
    eprintln!("{checked} page loads at 390 and 768 px: no overflow, no serious axe violations");
}

/// Issue 12 item 7: the whole slot card shows the choice and the focus, and the borders of
/// form controls and slot cards have at least 3:1 contrast against white.
#[tokio::test]
async fn slot_cards_show_choice_and_focus_and_controls_have_visible_borders() {
    let app = TestApp::spawn().await;
    let (status, css) = app.get_text("/static/app.css").await;
    assert_eq!(status, 200);
    assert!(css.contains(".slot:has(input:checked)"));
    assert!(css.contains(".slot:has(input:focus-visible)"));
    fn luminance(hex: &str) -> f64 {
        let c = |i: usize| {
            let v = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
            if v <= 0.03928 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * c(0) + 0.7152 * c(2) + 0.0722 * c(4)
    }
    let mut checked = 0;
    for line in css.lines().filter(|l| {
        l.starts_with(".slot {")
            || l.starts_with("input[type=text]")
            || l.starts_with("input[type=password]")
    }) {
        let at =
            line.find("border: 1px solid #").expect("a solid border") + "border: 1px solid #".len();
        let hex = &line[at..at + 6];
        let ratio = 1.05 / (luminance(hex) + 0.05);
        assert!(ratio >= 3.0, "#{hex} is {ratio:.2}:1 against white: {line}");
        checked += 1;
    }
    assert_eq!(checked, 3, "the slot card and both input rules");
}

async fn click(b: &Client, xpath: &str) {
    b.wait()
        .for_element(Locator::XPath(xpath))
        .await
        .unwrap_or_else(|e| panic!("{xpath}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn wait_text(b: &Client, text: &str) {
    b.wait()
        .for_element(Locator::XPath(&format!("//*[contains(., \"{text}\")]")))
        .await
        .unwrap_or_else(|e| panic!("waiting for {text}: {e}"));
}

/// Issue 12 in a real browser: a patient reschedules (the page keeps their practitioner) and
/// cancels through the question; the desk marks a no-show and undoes it.
#[tokio::test]
async fn reschedule_cancel_and_undo_in_a_real_browser() {
    let Some(browser) = browser().await else {
        return;
    };
    let b = &browser.client;
    let app = TestApp::spawn().await;
    let booked = app
        .booked("microneedling", "2030-06-05T11:00:00+01:00", 2, &ANN)
        .await;
    let manage = app.url(&format!("/appointments/{}", booked.token));

    // Reschedule: the page opens on Jonah and the appointment's day.
    b.goto(&manage).await.unwrap();
    click(b, "//a[contains(., 'Choose another time')]").await;
    b.wait()
        .for_element(Locator::Css("input[name=start]"))
        .await
        .unwrap();
    let chosen = b
        .execute(
            "return [document.getElementById('practitioner').value, document.getElementById('date').value]",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(chosen, serde_json::json!(["2", "2030-06-05"]));
    for width in WIDTHS {
        b.set_window_size(width, 1100).await.unwrap();
        save(b, &format!("reschedule-{width}.png")).await;
    }
    b.set_window_size(1280, 1100).await.unwrap();
    click(b, "(//label[contains(@class, 'slot')])[last()]").await;
    click(
        b,
        "//button[contains(., 'Move my appointment to this time')]",
    )
    .await;
    wait_text(b, "has been moved").await;
    assert_eq!(app.appointment(booked.id).practitioner_id, 2, "kept");

    // Cancel: a question first, then the red button.
    click(b, "//summary[contains(., 'Cancel this appointment')]").await;
    click(b, "//button[contains(., 'Yes, cancel this appointment')]").await;
    wait_text(b, "Book again").await;
    assert_eq!(app.appointment(booked.id).status, "cancelled");

    // The desk: a no-show marked by mistake at 15:30 BST, undone.
    let missed = app
        .booked("microdermabrasion", "2030-06-03T14:00:00+01:00", 2, &ANN)
        .await
        .id;
    app.clock.set(t("2030-06-03T14:30:00Z"));
    app.create_staff("desk@clinic.example", Role::FrontDesk, STAFF_PASSWORD);
    log_in(b, &app, "desk@clinic.example").await;
    b.goto(&app.url(&format!("/staff/appointments/{missed}")))
        .await
        .unwrap();
    click(b, "//button[contains(., 'Mark as no-show')]").await;
    click(b, "//button[contains(., 'Undo no-show')]").await;
    wait_text(b, "Undone: the appointment is back as it was").await;
    assert_eq!(app.appointment(missed).status, "booked");
}
