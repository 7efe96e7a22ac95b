//! Staff members in tests: accounts, logging in through the real form, and a client that keeps
//! its session cookie and adds the session's CSRF token to the forms it posts.

use carepath::domain::staff::Role;

use super::app::TestApp;
use super::html::{csrf_in, location};

/// The password of the accounts `TestApp::staff` creates.
pub const STAFF_PASSWORD: &str = "correct horse battery";

/// A staff member's browser: a cookie jar, no automatic redirects, and (once logged in) the
/// session's CSRF token, added to every form it posts unless told otherwise.
pub struct StaffClient {
    pub client: reqwest::Client,
    pub address: String,
    pub csrf: String,
    pub email: String,
}

impl StaffClient {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let r = self.get(path).await;
        let status = r.status().as_u16();
        (status, r.text().await.expect("body"))
    }

    /// Posts a form with this session's CSRF token added.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut all: Vec<(&str, &str)> = vec![("csrf", &self.csrf)];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Posts exactly these fields (no CSRF token unless given).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(fields).expect("form"))
            .send()
            .await
            .expect("POST")
    }

    /// Posts a form (CSRF token added): the status and the page.
    pub async fn post_text<K: AsRef<str>, V: AsRef<str>>(
        &self,
        path: &str,
        fields: &[(K, V)],
    ) -> (u16, String) {
        let r = self.post(path, &as_pairs(fields)).await;
        let status = r.status().as_u16();
        (status, r.text().await.expect("body"))
    }

    /// Posts a form (CSRF token added) that must succeed: where its 303 points.
    pub async fn post_redirect<K: AsRef<str>, V: AsRef<str>>(
        &self,
        path: &str,
        fields: &[(K, V)],
    ) -> String {
        let r = self.post(path, &as_pairs(fields)).await;
        let status = r.status().as_u16();
        let to = (status == 303).then(|| location(&r));
        let body = r.text().await.unwrap_or_default();
        assert_eq!(status, 303, "POST {path}: {body}");
        to.expect("a redirect")
    }

    /// The login form's CSRF token, from a fresh look at the login page.
    pub async fn login_csrf(&self) -> String {
        let (_, page) = self.get_text("/staff/login").await;
        csrf_in(&page)
    }

    /// Posts the login form with this token (and `next`, where given).
    pub async fn post_login(
        &self,
        csrf: &str,
        email: &str,
        password: &str,
        next: Option<&str>,
    ) -> reqwest::Response {
        let mut fields = vec![("csrf", csrf), ("email", email), ("password", password)];
        fields.extend(next.map(|n| ("next", n)));
        self.post_raw("/staff/login", &fields).await
    }

    /// Opens the login page and posts the form, as a person does.
    pub async fn try_login(&self, email: &str, password: &str) -> reqwest::Response {
        let csrf = self.login_csrf().await;
        self.post_login(&csrf, email, password, None).await
    }
}

/// Fields that tests build up in steps (owned, so they can be added, removed and extended).
pub type Form = Vec<(String, String)>;

pub fn form(pairs: &[(&str, &str)]) -> Form {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn as_pairs<K: AsRef<str>, V: AsRef<str>>(fields: &[(K, V)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_ref(), v.as_ref()))
        .collect()
}

impl TestApp {
    /// A client with its own cookie jar, not logged in.
    pub fn browser(&self) -> StaffClient {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            .build()
            .expect("client");
        StaffClient {
            client,
            address: self.address.clone(),
            csrf: String::new(),
            email: String::new(),
        }
    }

    /// Creates a staff account (a practitioner account is linked to practitioner 2, Jonah Reyes).
    pub fn create_staff(&self, email: &str, role: Role, password: &str) {
        let mut c = self.state.pool.get().expect("conn");
        let account = carepath::service::staff::NewAccount {
            email,
            name: email,
            role,
            practitioner_id: (role == Role::Practitioner).then_some(2),
            password,
            must_change_password: false,
        };
        carepath::service::staff::create(
            &mut c,
            self.clock.now(),
            &carepath::service::audit::Actor::System,
            &account,
        )
        .expect("create staff");
    }

    /// Logs in through the real login form.
    pub async fn login_as(&self, email: &str, password: &str) -> StaffClient {
        let mut b = self.browser();
        let r = b.try_login(email, password).await;
        assert_eq!(r.status().as_u16(), 303, "login as {email}");
        // Any staff page carries the new session's token.
        let (_, page) = b.get_text("/staff/password").await;
        b.csrf = csrf_in(&page);
        assert!(!b.csrf.is_empty(), "logged-in pages carry a CSRF token");
        b.email = email.to_string();
        b
    }

    /// A new account of this role (`{role}@clinic.example`, `STAFF_PASSWORD`), logged in.
    pub async fn staff(&self, role: Role) -> StaffClient {
        let email = format!("{}@clinic.example", role.as_str());
        self.create_staff(&email, role, STAFF_PASSWORD);
        self.login_as(&email, STAFF_PASSWORD).await
    }
}
