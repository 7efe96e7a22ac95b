//! A seeded fuzz test: thousands of random and mutated requests over the public pages, the API,
//! manage links, unsubscribe links and (logged in as an admin) every staff route. Any 5xx fails
//! it, printing the requests to replay; `CAREPATH_FUZZ_SEED=N` replays a run.

use carepath::domain::staff::Role;
use futures::StreamExt;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::staff_routes::all_routes;

const REQUESTS: usize = 5_000;
const CONCURRENCY: usize = 6;

/// Strings that broke things before, or often do.
const NASTY: &[&str] = &[
    "",
    " ",
    "0",
    "-1",
    "2147483648",
    "9223372036854775807",
    "99999999999999999999999",
    "1e309",
    "NaN",
    "+262142-12-31",
    "-262143-01-01",
    "2030-02-30",
    "2030-06-04T10:00:00+01:00",
    "2030-03-31T01:30",
    "9999-12-31T23:59",
    "a\u{0}b",
    "\u{0}",
    "line\r\nX-Injected: 1",
    "/staff\r\n",
    "//evil.example/",
    "https://evil.example/",
    "\u{202E}gnp.exe",
    "\u{2028}",
    "\u{FEFF}",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00",
    "%ff%fe",
    "../../etc/passwd",
    "ann@example.org",
    "ANN@EXAMPLE.ORG",
    "any",
    "true",
    "on",
    "admin",
    "front_desk",
    "practitioner",
    "microdermabrasion",
    "chemical-peel",
    "Europe/London",
    "Mars/Olympus",
    "09:00-17:00",
    "25:61",
    "💉🧴",
    "ｆｕｌｌｗｉｄｔｈ",
];

const FIELDS: &[&str] = &[
    "date",
    "practitioner",
    "treatment",
    "start",
    "name",
    "email",
    "phone",
    "note",
    "consent",
    "reason",
    "body",
    "ended_at",
    "q",
    "from",
    "to",
    "page",
    "status",
    "back",
    "next",
    "role",
    "password",
    "active",
    "slug",
    "summary",
    "description",
    "duration_minutes",
    "buffer_minutes",
    "price_min",
    "price_max",
    "subject",
    "offset",
    "enabled",
    "timezone",
    "address",
    "title",
    "qualifications",
    "starts_at",
    "ends_at",
    "confirm",
    "lead_time_minutes",
    "horizon_days",
    "slot_minutes",
    "cancel_cutoff_hours",
    "mon",
    "sat",
    "force",
    "kind",
    "anchor",
    "text",
    "actor",
    "action",
    "subject_kind",
    "website",
];

struct Ctx {
    tokens: Vec<String>,
    unsubscribe: Vec<String>,
    csrf: String,
    /// The login form's token of the anonymous browser that posts logins.
    login_csrf: String,
}

/// Who sends a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    /// An anonymous browser holding the login form's cookie.
    LoginForm,
    Admin,
}

#[derive(Debug, Clone)]
struct Req {
    who: Who,
    method: &'static str,
    path: String,
    form: Option<Vec<(String, String)>>,
    json: Option<Value>,
}

fn word(rng: &mut StdRng) -> String {
    match rng.random_range(0..10) {
        0..=5 => NASTY.choose(rng).unwrap_or(&"").to_string(),
        6 => "x".repeat(rng.random_range(100..3000)),
        7 => rng.random_range(-5i64..400).to_string(),
        8 => (0..rng.random_range(1..12))
            .map(|_| char::from_u32(rng.random_range(0x20..0x3000)).unwrap_or('?'))
            .collect(),
        _ => carepath::domain::token::random_url_safe(rng.random_range(1..40)),
    }
}

/// Percent-encodes anything a URL path or query can't carry as is.
fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn form(rng: &mut StdRng, csrf: Option<&str>) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = (0..rng.random_range(0..8))
        .map(|_| (FIELDS.choose(rng).unwrap_or(&"x").to_string(), word(rng)))
        .collect();
    if let Some(c) = csrf
        && rng.random_bool(0.9)
    {
        f.push(("csrf".into(), c.into()));
    }
    f
}

fn mutate_json(rng: &mut StdRng, v: &mut Value) {
    let junk = || -> Vec<Value> {
        vec![
            Value::Null,
            json!(true),
            json!(-1),
            json!(1e300),
            json!(u64::MAX),
            json!([]),
            json!({}),
            json!("a\u{0}b"),
            json!("+262142-12-31T00:00:00Z"),
            json!("\u{202E}x"),
        ]
    };
    if let Value::Object(map) = v {
        let keys: Vec<String> = map.keys().cloned().collect();
        if let Some(k) = keys.choose(rng) {
            match rng.random_range(0..4) {
                0 => {
                    map.remove(k);
                }
                1 => {
                    map.insert(
                        k.clone(),
                        junk().choose(rng).cloned().unwrap_or(Value::Null),
                    );
                }
                2 => {
                    map.insert(k.clone(), Value::String(word(rng)));
                }
                _ => {
                    if let Some(inner) = map.get_mut(k) {
                        mutate_json(rng, inner);
                    }
                }
            }
        }
    }
}

fn token(rng: &mut StdRng, known: &[String]) -> String {
    if rng.random_bool(0.7)
        && let Some(t) = known.choose(rng)
    {
        return t.clone();
    }
    enc(&word(rng))
}

fn request(rng: &mut StdRng, ctx: &Ctx) -> Req {
    let public = |method, path: String| Req {
        who: Who::Anonymous,
        method,
        path,
        form: None,
        json: None,
    };
    match rng.random_range(0..12) {
        // Public pages, with mutated path segments and queries.
        0 => {
            let pages = [
                "/".to_string(),
                "/treatments/microdermabrasion".into(),
                "/treatments/".to_string() + &enc(&word(rng)),
                "/book/microdermabrasion".into(),
                format!("/book/{}", enc(&word(rng))),
                format!(
                    "/book/microdermabrasion?date={}&practitioner={}",
                    enc(&word(rng)),
                    enc(&word(rng))
                ),
                format!(
                    "/book/microdermabrasion/details?start={}&practitioner={}",
                    enc(&word(rng)),
                    enc(&word(rng))
                ),
                format!("/calendar/{}.ics", enc(&word(rng))),
                "/static/app.css".into(),
            ];
            public("GET", pages.choose(rng).cloned().unwrap_or_default())
        }
        // The booking form, with and without the right fields.
        1 => {
            let mut f = form(rng, None);
            if rng.random_bool(0.5) {
                f.extend([
                    ("start".into(), "2030-06-05T10:00:00+01:00".into()),
                    ("practitioner".into(), "2".into()),
                    ("name".into(), word(rng)),
                    ("email".into(), "fuzz@example.org".into()),
                    ("consent".into(), "on".into()),
                ]);
            }
            Req {
                form: Some(f),
                ..public("POST", "/book/microdermabrasion".into())
            }
        }
        // The API.
        2 | 3 => {
            let mut body = booking_body(
                ["microdermabrasion", "chemical-peel", "laser-resurfacing"]
                    .choose(rng)
                    .copied()
                    .unwrap_or("microdermabrasion"),
                &format!(
                    "2030-06-{:02}T{:02}:{:02}:00+01:00",
                    rng.random_range(4..28),
                    rng.random_range(8..19),
                    [0, 15, 30, 45].choose(rng).copied().unwrap_or(0)
                ),
                Some(rng.random_range(1..4)),
                &ANN,
            );
            for _ in 0..rng.random_range(0..4) {
                mutate_json(rng, &mut body);
            }
            let gets = [
                "/api/v1/treatments".to_string(),
                format!(
                    "/api/v1/availability?treatment={}&date={}&practitioner={}",
                    enc(&word(rng)),
                    enc(&word(rng)),
                    enc(&word(rng))
                ),
                format!(
                    "/api/v1/availability?treatment=microdermabrasion&date={}",
                    enc(&word(rng))
                ),
                format!("/api/v1/bookings/{}", token(rng, &ctx.tokens)),
            ];
            if rng.random_bool(0.5) {
                Req {
                    json: Some(body),
                    ..public("POST", "/api/v1/bookings".into())
                }
            } else if rng.random_bool(0.5) {
                let t = token(rng, &ctx.tokens);
                let action = ["cancel", "reschedule"]
                    .choose(rng)
                    .copied()
                    .unwrap_or("cancel");
                let mut b =
                    json!({"reason": word(rng), "start": word(rng), "practitioner": word(rng)});
                mutate_json(rng, &mut b);
                Req {
                    json: Some(b),
                    ..public("POST", format!("/api/v1/bookings/{t}/{action}"))
                }
            } else {
                public("GET", gets.choose(rng).cloned().unwrap_or_default())
            }
        }
        // Manage links.
        4 | 5 => {
            let t = token(rng, &ctx.tokens);
            let (method, path) = [
                ("GET", format!("/appointments/{t}")),
                ("GET", format!("/appointments/{t}/confirmation")),
                ("GET", format!("/appointments/{t}/calendar.ics")),
                (
                    "GET",
                    format!("/appointments/{t}/reschedule?date={}", enc(&word(rng))),
                ),
                ("POST", format!("/appointments/{t}/cancel")),
                ("POST", format!("/appointments/{t}/reschedule")),
            ]
            .choose(rng)
            .cloned()
            .unwrap_or(("GET", "/".into()));
            Req {
                form: (method == "POST").then(|| form(rng, None)),
                ..public(method, path)
            }
        }
        // Unsubscribe links.
        6 => {
            let t = token(rng, &ctx.unsubscribe);
            let post = rng.random_bool(0.5);
            Req {
                form: post.then(|| form(rng, None)),
                ..public(
                    if post { "POST" } else { "GET" },
                    format!("/unsubscribe/{t}"),
                )
            }
        }
        // The login form, from a browser that holds its cookie.
        7 => {
            let mut f = form(rng, Some(&ctx.login_csrf));
            f.push(("email".into(), word(rng)));
            f.push(("password".into(), word(rng)));
            f.push(("next".into(), word(rng)));
            Req {
                who: Who::LoginForm,
                form: Some(f),
                ..public(
                    // Each POST runs Argon2: fewer of them keep the run short.
                    if rng.random_bool(0.4) { "POST" } else { "GET" },
                    "/staff/login".into(),
                )
            }
        }
        // Staff routes, logged in as an admin.
        _ => {
            let routes = all_routes();
            let route = routes.choose(rng).copied().unwrap_or(routes[0]);
            let ids = [
                "1",
                "2",
                "3",
                "0",
                "-1",
                "99999",
                "2147483648",
                "abc",
                "%00",
            ];
            let mut path = route.path.to_string();
            for hole in [
                "{appointment}",
                "{patient}",
                "{practitioner}",
                "{treatment}",
                "{staff}",
                "{message}",
                "{step}",
                "{entry}",
            ] {
                let id = if rng.random_bool(0.8) {
                    ids[rng.random_range(0..3)]
                } else {
                    ids.choose(rng).copied().unwrap_or("1")
                };
                path = path.replace(hole, id);
            }
            if !route.post && rng.random_bool(0.6) {
                let q: Vec<String> = form(rng, None)
                    .into_iter()
                    .map(|(k, v)| format!("{k}={}", enc(&v)))
                    .collect();
                let sep = if path.contains('?') { '&' } else { '?' };
                path = format!("{path}{sep}{}", q.join("&"));
            }
            Req {
                who: Who::Admin,
                method: if route.post { "POST" } else { "GET" },
                form: route.post.then(|| form(rng, Some(&ctx.csrf))),
                ..public("GET", path)
            }
        }
    }
}

async fn send(
    app: &TestApp,
    staff: &StaffClient,
    login: &StaffClient,
    r: &Req,
) -> Result<u16, String> {
    let client = match r.who {
        Who::Anonymous => &app.client,
        Who::LoginForm => &login.client,
        Who::Admin => &staff.client,
    };
    let url = app.url(&r.path);
    let mut b = if r.method == "POST" {
        client.post(&url)
    } else {
        client.get(&url)
    };
    if let Some(f) = &r.form {
        b = b
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(f).unwrap_or_default());
    }
    if let Some(j) = &r.json {
        b = b.json(j);
    }
    match b.send().await {
        Ok(res) => {
            let status = res.status().as_u16();
            let _ = res.bytes().await;
            Ok(status)
        }
        Err(e) => Err(e.to_string()),
    }
}

#[tokio::test]
async fn thousands_of_hostile_requests_never_get_a_5xx() {
    let seed: u64 = std::env::var("CAREPATH_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_ca9e);
    println!("fuzz seed {seed} (CAREPATH_FUZZ_SEED={seed} replays this run)");
    let app = TestApp::spawn().await;
    let mut tokens = Vec::new();
    let mut unsubscribe = Vec::new();
    for (i, start) in [
        "2030-06-04T10:00:00+01:00",
        "2030-06-04T12:00:00+01:00",
        "2030-06-05T11:00:00+01:00",
    ]
    .iter()
    .enumerate()
    {
        let email = format!("p{i}@example.org");
        let b = app
            .booked(
                "microdermabrasion",
                start,
                2,
                &Patient::new("Pat Fuzz", &email),
            )
            .await;
        // A working unsubscribe link for each patient too (as a follow-up would carry).
        unsubscribe.push(app.unsubscribe_token(app.appointment(b.id).patient_id));
        tokens.push(b.token);
    }
    let admin = app.staff(Role::Admin).await;
    let login = app.browser();
    let ctx = Ctx {
        tokens,
        unsubscribe,
        csrf: admin.csrf.clone(),
        login_csrf: login.login_csrf().await,
    };
    let mut rng = StdRng::seed_from_u64(seed);
    let requests: Vec<Req> = (0..REQUESTS).map(|_| request(&mut rng, &ctx)).collect();
    let (app, admin, login) = (&app, &admin, &login);
    let results: Vec<(usize, Result<u16, String>)> =
        futures::stream::iter(requests.iter().enumerate())
            .map(|(i, r)| async move { (i, send(app, admin, login, r).await) })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
    let bad: Vec<String> = results
        .iter()
        .filter(|(_, r)| !matches!(r, Ok(s) if *s < 500))
        .map(|(i, r)| format!("#{i} {:?} → {:?}", requests[*i], r))
        .collect();
    let mut by_status = std::collections::BTreeMap::new();
    for (i, r) in &results {
        *by_status
            .entry((format!("{:?}", requests[*i].who), r.clone().unwrap_or(0)))
            .or_insert(0) += 1;
    }
    println!("answers by status: {by_status:?}");
    let staff_ok = results
        .iter()
        .filter(|(i, r)| requests[*i].who == Who::Admin && matches!(r, Ok(200)))
        .count();
    assert!(
        staff_ok > 100,
        "the admin stayed logged in ({staff_ok} staff pages answered 200)"
    );
    assert!(
        bad.is_empty(),
        "seed {seed}: {} request(s) got a 5xx or no answer:\n{}",
        bad.len(),
        bad.join("\n")
    );
}
