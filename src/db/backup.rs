//! `carepath backup`: a consistent copy of a live SQLite database (`VACUUM INTO`, which reads
//! one snapshot while the app keeps writing); PostgreSQL has its own tools, which we name.

use diesel::RunQueryDsl;
use diesel::sql_types::Text;

use super::{Backend, DatabaseUrl, DbConnection};

/// What `carepath backup` did, or what to run instead.
#[derive(Debug, PartialEq, Eq)]
pub enum BackupOutcome {
    /// The SQLite database was copied to this file.
    Copied(String),
    /// PostgreSQL: the pg_dump / pg_restore commands for this database (nothing was copied).
    UsePgDump(String),
}

/// Copies the SQLite database `url` names into `target` (which must not exist yet), through a
/// connection of the same database layer the app uses. On PostgreSQL nothing is copied: the
/// answer says how to run pg_dump and pg_restore for the URL's database (password left out).
pub fn backup(url: &DatabaseUrl, target: &str) -> Result<BackupOutcome, String> {
    if url.backend == Backend::Postgres {
        return Ok(BackupOutcome::UsePgDump(pg_dump_help(&url.target, target)));
    }
    if !std::path::Path::new(&url.target).is_file() {
        return Err(format!("there is no SQLite database at {}", url.target));
    }
    let dest = std::path::Path::new(target);
    if dest.exists() {
        return Err(format!("{target} exists already; choose a new file name"));
    }
    if let Some(parent) = dest.parent()
        && !parent.as_os_str().is_empty()
        && !parent.is_dir()
    {
        return Err(format!("the folder {} does not exist", parent.display()));
    }
    let pool = super::build_pool(url, 1)?;
    let mut conn = pool
        .get()
        .map_err(|e| format!("cannot open the database: {e}"))?;
    vacuum_into(&mut conn, target).map_err(|e| format!("backup failed: {e}"))?;
    Ok(BackupOutcome::Copied(target.to_string()))
}

/// SQLite's `VACUUM INTO`: one read transaction writes a compact, consistent copy.
pub fn vacuum_into(conn: &mut DbConnection, target: &str) -> diesel::QueryResult<()> {
    match conn {
        DbConnection::Sqlite(c) => {
            diesel::sql_query("VACUUM INTO ?")
                .bind::<Text, _>(target)
                .execute(c)?;
            Ok(())
        }
        DbConnection::Pg(_) => Err(diesel::result::Error::QueryBuilderError(
            "VACUUM INTO is SQLite's; use pg_dump on PostgreSQL".into(),
        )),
    }
}

/// "PRAGMA integrity_check" of a SQLite database: "ok" when sound.
pub fn integrity_check(conn: &mut DbConnection) -> diesel::QueryResult<String> {
    #[derive(diesel::QueryableByName)]
    struct Line {
        #[diesel(sql_type = Text)]
        integrity_check: String,
    }
    match conn {
        DbConnection::Sqlite(c) => {
            let lines: Vec<Line> = diesel::sql_query("PRAGMA integrity_check").load(c)?;
            Ok(lines
                .into_iter()
                .map(|l| l.integrity_check)
                .collect::<Vec<_>>()
                .join("\n"))
        }
        DbConnection::Pg(_) => Ok("ok".into()),
    }
}

/// The URL without its password (pg_dump reads that from PGPASSWORD or ~/.pgpass).
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (auth, host) = match rest.rsplit_once('@') {
        Some((a, h)) => (Some(a), h),
        None => (None, rest),
    };
    match auth {
        Some(a) => {
            let user = a.split(':').next().unwrap_or("");
            format!("{scheme}://{user}@{host}")
        }
        None => url.to_string(),
    }
}

fn pg_dump_help(url: &str, target: &str) -> String {
    let url = without_password(url);
    format!(
        "carepath backup copies SQLite databases only; on PostgreSQL use its own tools \
         (they take a consistent snapshot while Carepath keeps running):\n\
         \n  pg_dump --format=custom --file='{target}' '{url}'\n\
         \nTo restore into an empty database (stop Carepath first):\n\
         \n  pg_restore --no-owner --dbname='{url}' '{target}'\n\
         \n(the password, if any, comes from PGPASSWORD or ~/.pgpass)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pg_help_leaves_the_password_out() {
        let help = pg_dump_help("postgres://carepath:s3cret@db:5432/clinic", "x.dump");
        assert!(help.contains(
            "pg_dump --format=custom --file='x.dump' 'postgres://carepath@db:5432/clinic'"
        ));
        assert!(help.contains("pg_restore"));
        assert!(!help.contains("s3cret"));
        assert_eq!(
            without_password("postgres://db/clinic"),
            "postgres://db/clinic"
        );
    }
}
