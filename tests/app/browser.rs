//! End to end in a real headless Chromium (Debian's chromium and chromium-driver), driven over
//! WebDriver: a patient books from the home page to the confirmation, and a staff member logs in,
//! finds that appointment on the day view and completes it. Screenshots go to target/screenshots/.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use carepath::domain::staff::Role;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::helpers::*;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

pub(crate) struct Browser {
    pub(crate) client: Client,
    driver: Child,
    profile: PathBuf,
}

/// The processes whose command line names `needle` (our own browser's profile folder: no other
/// process has it), read from /proc.
fn processes_naming(needle: &str) -> Vec<i32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|c| String::from_utf8_lossy(&c).contains(needle))
                .unwrap_or(false)
        })
        .collect()
}

fn kill(signal: &str, target: &str) {
    let _ = Command::new("kill")
        .args([signal, "--", target])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Ends chromedriver and every Chromium process it started. Killing chromedriver alone
/// orphaned the browser's process tree after each run (issue 12): the driver runs in its own
/// process group, and the whole group goes, then any straggler that still names our profile.
impl Drop for Browser {
    fn drop(&mut self) {
        let group = format!("-{}", self.driver.id());
        kill("-TERM", &group);
        let _ = self.driver.wait();
        kill("-KILL", &group);
        let profile = self.profile.display().to_string();
        for _ in 0..20 {
            let left = processes_naming(&profile);
            if left.is_empty() {
                break;
            }
            for pid in left {
                kill("-KILL", &pid.to_string());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A headless Chromium session, or None (with a note) where the browser isn't installed. CI
/// installs it, and there a missing browser is a failure, not a skip.
pub(crate) async fn browser() -> Option<Browser> {
    let installed =
        std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(CHROMEDRIVER).exists();
    if !installed {
        assert!(
            std::env::var("CI").is_err(),
            "CI must install chromium and chromium-driver (see .ci/run)"
        );
        eprintln!("skipped: browser tests need Debian's chromium and chromium-driver");
        return None;
    }
    let port = free_port();
    let driver = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Its own process group, so Drop can end the browser it starts along with it.
        .process_group(0)
        .spawn()
        .expect("start chromedriver");
    let profile =
        std::env::temp_dir().join(format!("carepath-chromium-{}-{port}", std::process::id()));
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The flags a closed network needs: no background connections, no first-run chatter.
    let caps = json!({
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,1100",
                format!("--user-data-dir={}", profile.display()),
            ]
        }
    });
    let caps = match caps {
        serde_json::Value::Object(m) => m,
        _ => unreachable!(),
    };
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session in headless Chromium");
    Some(Browser {
        client,
        driver,
        profile,
    })
}

pub(crate) fn screenshot_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    dir
}

pub(crate) async fn save(b: &Client, name: &str) {
    let png = b.screenshot().await.expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    std::fs::write(screenshot_dir().join(name), png).expect("write screenshot");
}

async fn body_text(b: &Client) -> String {
    b.find(Locator::Css("body"))
        .await
        .expect("body")
        .text()
        .await
        .expect("text")
}

#[tokio::test]
async fn a_patient_books_and_staff_complete_the_session_in_a_real_browser() {
    let Some(browser) = browser().await else {
        return;
    };
    let b = &browser.client;
    let app = TestApp::spawn().await;

    // The patient: home page → a treatment's booking page → a time → details → confirmation.
    b.goto(&app.url("/")).await.unwrap();
    b.find(Locator::LinkText("Book chemical peel"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait()
        .for_element(Locator::Css("input[name=start]"))
        .await
        .unwrap();
    assert!(
        body_text(b)
            .await
            .contains("Free times on Monday 3 June 2030")
    );
    save(b, "booking-page.png").await;
    // A day picked from the month calendar (issue 12): Tuesday 4 June, then back to Monday 3 June.
    for (day, heading) in [
        ("Tuesday 4 June", "Free times on Tuesday 4 June 2030"),
        ("Monday 3 June", "Free times on Monday 3 June 2030"),
    ] {
        b.find(Locator::XPath(&format!(
            "//table[@class='calendar']//a[starts-with(normalize-space(.), '{day}')]"
        )))
        .await
        .unwrap_or_else(|e| panic!("{day} is a link in the calendar: {e}"))
        .click()
        .await
        .unwrap();
        b.wait()
            .for_element(Locator::XPath(&format!("//h2[contains(., '{heading}')]")))
            .await
            .unwrap_or_else(|e| panic!("{heading}: {e}"));
    }
    // The booking page with its calendar at a phone's and a tablet's width (README: screenshots).
    for width in [390, 768] {
        b.set_window_size(width, 1100).await.unwrap();
        save(b, &format!("booking-calendar-{width}.png")).await;
    }
    b.set_window_size(1280, 1100).await.unwrap();
    b.find(Locator::Css(
        "input[name=start][value='2030-06-03T11:00:00+01:00']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    b.find(Locator::XPath(
        "//button[contains(., 'Continue to your details')]",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    // The screening step: the clinic's health questions, answered "no", before the details.
    b.wait()
        .for_element(Locator::XPath("//h1[contains(., 'health questions')]"))
        .await
        .unwrap();
    assert!(body_text(b).await.contains("please call us"));
    let noes = b
        .find_all(Locator::Css("input[type=radio][value=no]"))
        .await
        .unwrap();
    assert!(noes.len() >= 5, "the peel asks its questions");
    for no in noes {
        no.click().await.unwrap();
    }
    save(b, "screening-step.png").await;
    b.find(Locator::XPath(
        "//button[contains(., 'Continue to your details')]",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    b.wait()
        .for_element(Locator::Id("name"))
        .await
        .unwrap()
        .send_keys("Ann Lee")
        .await
        .unwrap();
    b.find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys("ann@example.org")
        .await
        .unwrap();
    b.find(Locator::Id("consent"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.find(Locator::XPath(
        "//button[contains(., 'Book this appointment')]",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    b.wait()
        .for_element(Locator::XPath("//h1[contains(., 'booked')]"))
        .await
        .unwrap();
    let text = body_text(b).await;
    assert!(text.contains("Monday 3 June 2030 at 11:00 (BST)"), "{text}");
    assert!(text.contains("£80–£400"));
    save(b, "confirmation.png").await;
    assert_eq!(app.appointment_count(), 1);
    assert!(
        !app.stored_answers(1).is_empty(),
        "the answers are stored with the appointment"
    );
    assert_eq!(app.screening_state(1).unwrap().status, "answered");

    staff_part(&app, b).await;
}

/// Logs this staff member in (password `STAFF_PASSWORD`) and waits for the console.
pub(crate) async fn log_in(b: &Client, app: &TestApp, email: &str) {
    b.goto(&app.url("/staff/login")).await.unwrap();
    b.find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys(email)
        .await
        .unwrap();
    b.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(STAFF_PASSWORD)
        .await
        .unwrap();
    b.find(Locator::XPath("//button[contains(., 'Log in')]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait()
        .for_element(Locator::Css("nav.staff-nav"))
        .await
        .unwrap();
}

async fn staff_part(app: &TestApp, b: &Client) {
    // Noon: the 11:00 session has started, so it can be completed.
    app.clock.set(t("2030-06-03T11:00:00Z"));
    app.create_staff("desk@clinic.example", Role::FrontDesk, STAFF_PASSWORD);
    log_in(b, app, "desk@clinic.example").await;

    b.goto(&app.url("/staff/day?date=2030-06-03"))
        .await
        .unwrap();
    let block = b
        .wait()
        .for_element(Locator::Css("a.appt[data-appointment='1']"))
        .await
        .unwrap();
    assert!(block.text().await.unwrap().contains("Ann Lee"));
    save(b, "day-view.png").await;
    block.click().await.unwrap();
    b.wait()
        .for_element(Locator::XPath("//button[normalize-space()='Complete']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait()
        .for_element(Locator::XPath(
            "//*[contains(., 'Completed: the end time is recorded.')]",
        ))
        .await
        .unwrap();
    let (_, shown) = app.get_json("/api/v1/treatments").await;
    assert!(shown["treatments"].is_array());
    {
        use carepath::db::schema::{appointments, outbox};
        use diesel::prelude::*;
        let mut c = app.state.pool.get().unwrap();
        let status: String = appointments::table
            .find(1)
            .select(appointments::status)
            .first(&mut *c)
            .unwrap();
        assert_eq!(status, "completed");
        let aftercare: i64 = outbox::table
            .filter(outbox::appointment_id.eq(1))
            .filter(outbox::kind.eq("aftercare"))
            .filter(outbox::status.eq("planned"))
            .count()
            .get_result(&mut *c)
            .unwrap();
        assert_eq!(aftercare, 1, "completing the session plans its aftercare");
    }
    b.goto(&app.url("/staff/week?date=2030-06-03&practitioner=all"))
        .await
        .unwrap();
    // Everyone's week is a list per day (issue 12).
    b.wait()
        .for_element(Locator::Css(".week-list li[data-appointment]"))
        .await
        .unwrap();
    save(b, "week-view.png").await;
}

/// Every kind of patient email, rendered as the dispatcher renders it, fits a 390 px phone: no
/// sideways scrolling, long links included.
#[tokio::test]
async fn every_email_fits_a_390_px_phone() {
    use carepath::dispatch::render::{RenderContext, Rendered, render};
    let Some(browser) = browser().await else {
        return;
    };
    let b = &browser.client;
    let app = TestApp::spawn().await;
    let peel = app
        .booked("chemical-peel", "2030-06-11T10:00:00+01:00", 2, &ANN)
        .await;
    let laser = app
        .booked("laser-resurfacing", "2030-06-06T10:00:00+01:00", 1, &ANN)
        .await;
    let done = app
        .booked("microneedling", "2030-06-03T10:00:00+01:00", 2, &ANN)
        .await;
    let missed = app
        .booked("microdermabrasion", "2030-06-03T14:00:00+01:00", 2, &ANN)
        .await;
    app.clock.set(t("2030-06-03T14:30:00Z"));
    let desk = app.staff(Role::FrontDesk).await;
    let r = desk
        .post(
            &format!("/staff/appointments/{}/complete", done.id),
            &[("ended_at", "11:20")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let r = desk
        .post(&format!("/staff/appointments/{}/no-show", missed.id), &[])
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let r = desk
        .post(
            &format!("/staff/appointments/{}/cancel", laser.id),
            &[("reason", "The laser is being serviced")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let ctx = RenderContext {
        base_url: app.address.clone(),
        host: "clinic.test".into(),
        now: app.clock.now(),
    };
    let mut pages = Vec::new();
    {
        let mut c = app.state.pool.get().unwrap();
        for row in app
            .outbox()
            .iter()
            .filter(|r| [peel.id, laser.id, done.id, missed.id].contains(&r.appointment_id))
        {
            if let Ok(Rendered::Send(email, _)) = render(&mut c, row, &ctx) {
                pages.push((row.kind.clone(), email.html));
            }
        }
    }
    let kinds: std::collections::BTreeSet<&str> = pages.iter().map(|(k, _)| k.as_str()).collect();
    for k in [
        "confirmation",
        "preparation",
        "reminder",
        "aftercare",
        "check_in",
        "follow_up",
        "missed",
        "cancellation",
    ] {
        assert!(kinds.contains(k), "no {k} email rendered: {kinds:?}");
    }
    b.set_window_size(390, 844)
        .await
        .expect("a phone-sized window");
    let dir = std::env::temp_dir().join(format!("carepath-emails-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (i, (kind, html)) in pages.iter().enumerate() {
        let file = dir.join(format!("{i}-{kind}.html"));
        std::fs::write(&file, html).unwrap();
        b.goto(&format!("file://{}", file.display())).await.unwrap();
        let widths = b
            .execute(
                "return [document.documentElement.scrollWidth, window.innerWidth];",
                vec![],
            )
            .await
            .expect("widths");
        let (scroll, inner) = (widths[0].as_i64().unwrap(), widths[1].as_i64().unwrap());
        assert!(inner <= 390, "the window is phone-sized ({inner} px)");
        assert!(
            scroll <= inner,
            "the {kind} email is {scroll} px wide on a {inner} px screen"
        );
        if i == 0 {
            save(b, "email-390px.png").await;
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A course's second session booked from the follow-up email (issue 11): the first
/// microneedling session is booked and completed, the follow-up goes out over SMTP at its
/// planned time (a fixed clock), and its link, opened in the browser, shows the booking page on
/// the first date the course allows with the same practitioner chosen; booking there makes
/// session 2 of 3.
#[tokio::test]
async fn a_second_course_session_is_booked_from_the_follow_up_link_in_a_real_browser() {
    use carepath::db::schema::outbox;
    use carepath::dispatch::{dispatch_due, render::render};
    use diesel::prelude::*;

    use crate::helpers::mail::{dispatcher, mail_settings};
    use crate::helpers::smtp_server::SmtpServer;

    let Some(browser) = browser().await else {
        return;
    };
    let b = &browser.client;
    let app = TestApp::spawn().await;
    let server = SmtpServer::start().await;
    let first = app
        .booked("microneedling", "2030-06-03T10:00:00+01:00", 2, &ANN)
        .await;
    // Completed at 11:20 BST: 28 days on is Monday 1 July.
    app.clock.set(t("2030-06-03T14:30:00Z"));
    let desk = app.staff(Role::FrontDesk).await;
    let r = desk
        .post(
            &format!("/staff/appointments/{}/complete", first.id),
            &[("ended_at", "11:20")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    // The follow-up goes out when the planner put it; the clock stands there.
    let due: chrono::NaiveDateTime = {
        let mut c = app.state.pool.get().unwrap();
        outbox::table
            .filter(outbox::appointment_id.eq(first.id))
            .filter(outbox::kind.eq("follow_up"))
            .select(outbox::due_at)
            .first(&mut *c)
            .unwrap()
    };
    let due = due.and_utc();
    app.clock.set(due);
    let mut d = dispatcher(&app, &mail_settings(&app, Some(server.url()), "unused"));
    d.render_fn = render;
    let report = dispatch_due(&d, due).await.expect("dispatch");
    assert_eq!(report.failed + report.dead, 0, "{report}");
    let follow_up = server
        .received()
        .into_iter()
        .map(|m| {
            let p = m.parsed();
            (
                p.subject().unwrap_or_default().to_string(),
                p.body_text(0).unwrap_or_default().to_string(),
            )
        })
        .find(|(subject, _)| subject.starts_with("Your next microneedling session"))
        .expect("the follow-up was sent");
    let text = follow_up.1;
    let at = text
        .find(&format!("{}/book/microneedling?", app.address))
        .unwrap_or_else(|| panic!("a booking link in {text}"));
    let link: String = text[at..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    // The first valid date: 1 July, or the day the email arrives if that is later.
    let today = carepath::domain::time::today(chrono_tz::Europe::London, due);
    let first_valid = today.max(chrono::NaiveDate::from_ymd_opt(2030, 7, 1).unwrap());
    assert_eq!(
        link,
        format!(
            "{}/book/microneedling?date={}&practitioner=2",
            app.address,
            first_valid.format("%Y-%m-%d")
        )
    );

    b.goto(&link).await.unwrap();
    b.wait()
        .for_element(Locator::Css("input[name=start]"))
        .await
        .unwrap();
    let heading = format!(
        "Free times on {}",
        carepath::domain::time::date_label(first_valid)
    );
    assert!(body_text(b).await.contains(&heading), "{heading}");
    let chosen = b
        .find(Locator::Css("#practitioner option[selected]"))
        .await
        .expect("a practitioner chosen");
    assert_eq!(chosen.attr("value").await.unwrap().as_deref(), Some("2"));
    save(b, "course-next-session.png").await;
    b.find(Locator::Css("input[name=start]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.find(Locator::XPath(
        "//button[contains(., 'Continue to your details')]",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    // Microneedling asks its health questions first (answered "no"), then the details.
    let next = b
        .wait()
        .for_element(Locator::Css("#name, input[type=radio][value=no]"))
        .await
        .unwrap();
    if next.attr("id").await.unwrap().as_deref() != Some("name") {
        for no in b
            .find_all(Locator::Css("input[type=radio][value=no]"))
            .await
            .unwrap()
        {
            no.click().await.unwrap();
        }
        b.find(Locator::XPath(
            "//button[contains(., 'Continue to your details')]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    }
    b.wait()
        .for_element(Locator::Id("name"))
        .await
        .unwrap()
        .send_keys(ANN.name)
        .await
        .unwrap();
    b.find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys(ANN.email)
        .await
        .unwrap();
    b.find(Locator::Id("consent"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.find(Locator::XPath(
        "//button[contains(., 'Book this appointment')]",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    b.wait()
        .for_element(Locator::XPath("//h1[contains(., 'booked')]"))
        .await
        .unwrap();
    let text = body_text(b).await;
    assert!(text.contains("Session 2 of 3"), "{text}");
    assert!(
        text.contains("Jonah Reyes"),
        "the same practitioner: {text}"
    );
    save(b, "course-session-2.png").await;
    assert_eq!(app.appointment_count(), 2);
}
