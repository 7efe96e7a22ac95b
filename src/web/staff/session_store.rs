//! actix-session storage in our own database: the cookie carries only an encrypted session key,
//! the state lives in `staff_sessions` (under the key's SHA-256), so every instance shares
//! sessions and logging out (or a password change) really ends them — for good.

use std::collections::HashMap;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration as CookieDuration;

use crate::config::Clock;
use crate::db::{DbConnection, Pool};
use crate::error::AppError;
use crate::service::staff::sessions;

#[derive(Clone)]
pub struct DbSessionStore {
    pub pool: Pool,
    pub clock: Clock,
    /// SQLite: a session is read on the HTTP worker itself when a connection is idle (as
    /// `AppState::read` does), rather than hopping to the blocking pool and back.
    pub inline_reads: bool,
}

type State = HashMap<String, String>;

fn new_key() -> String {
    crate::domain::token::random_url_safe(32)
}

/// The staff id kept in the state (as actix-session stores it: JSON text), for revoking sessions.
fn staff_id(state: &State) -> Option<i32> {
    state.get("staff_id").and_then(|v| v.parse().ok())
}

impl DbSessionStore {
    fn expiry(&self, ttl: &CookieDuration) -> chrono::DateTime<chrono::Utc> {
        self.clock.now() + chrono::Duration::seconds(ttl.whole_seconds())
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut DbConnection) -> Result<T, AppError> + Send + 'static,
    ) -> anyhow::Result<T> {
        let pool = self.pool.clone();
        actix_web::web::block(move || -> anyhow::Result<T> {
            let mut c = pool.get()?;
            Ok(f(&mut c)?)
        })
        .await?
    }
}

impl SessionStore for DbSessionStore {
    async fn load(&self, key: &SessionKey) -> Result<Option<State>, LoadError> {
        let k = key.as_ref().to_string();
        let now = self.clock.now();
        let inline = if self.inline_reads {
            self.pool.try_get()
        } else {
            None
        };
        let raw = match inline {
            Some(mut c) => sessions::load(&mut c, now, &k)
                .map_err(|e| LoadError::Other(anyhow::Error::new(e)))?,
            None => self
                .run(move |c| sessions::load(c, now, &k))
                .await
                .map_err(LoadError::Other)?,
        };
        match raw {
            None => Ok(None),
            Some(s) => serde_json::from_str(&s)
                .map(Some)
                .map_err(|e| LoadError::Deserialization(e.into())),
        }
    }

    async fn save(&self, state: State, ttl: &CookieDuration) -> Result<SessionKey, SaveError> {
        let body = serde_json::to_string(&state).map_err(|e| SaveError::Serialization(e.into()))?;
        let key = new_key();
        let k = key.clone();
        let expires = self.expiry(ttl);
        let id = staff_id(&state);
        self.run(move |c| sessions::start(c, &k, &body, id, expires))
            .await
            .map_err(SaveError::Other)?;
        SessionKey::try_from(key).map_err(|e| SaveError::Other(e.into()))
    }

    async fn update(
        &self,
        key: SessionKey,
        state: State,
        ttl: &CookieDuration,
    ) -> Result<SessionKey, UpdateError> {
        let body =
            serde_json::to_string(&state).map_err(|e| UpdateError::Serialization(e.into()))?;
        let k = key.as_ref().to_string();
        let expires = self.expiry(ttl);
        let id = staff_id(&state);
        // An UPDATE only. When the row is gone (expired, logged out elsewhere, password changed,
        // account deactivated while this request was in flight) nothing is written back: the
        // cookie keeps pointing at nothing, and the next request is sent to the login page.
        self.run(move |c| sessions::update(c, &k, &body, id, expires))
            .await
            .map_err(UpdateError::Other)?;
        Ok(key)
    }

    async fn update_ttl(&self, key: &SessionKey, ttl: &CookieDuration) -> anyhow::Result<()> {
        let k = key.as_ref().to_string();
        let expires = self.expiry(ttl);
        self.run(move |c| sessions::extend(c, &k, expires)).await?;
        Ok(())
    }

    async fn delete(&self, key: &SessionKey) -> anyhow::Result<()> {
        let k = key.as_ref().to_string();
        self.run(move |c| sessions::end(c, &k)).await?;
        Ok(())
    }
}
