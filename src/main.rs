//! The `carepath` command: parses the command line and runs one subcommand (serve, migrate,
//! create-staff, send-due, backup). The work itself lives in the library, so tests drive the
//! same code.

use clap::{Parser, Subcommand};

use carepath::config::{Clock, Settings, SettingsArgs};
use carepath::db;
use carepath::startup::Application;

#[derive(Parser)]
#[command(
    name = "carepath",
    version,
    about = "Clinic booking and aftercare reminders"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    settings: SettingsArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the clinic's site and API (the default).
    Serve,
    /// Apply pending database migrations and seed an empty database, then exit.
    Migrate,
    /// Create a staff account. The password comes from CAREPATH_STAFF_PASSWORD or a hidden prompt.
    CreateStaff {
        #[arg(long)]
        email: String,
        /// admin, front_desk or practitioner
        #[arg(long)]
        role: String,
        #[arg(long, default_value = "")]
        name: String,
        /// For a practitioner account: the practitioner's id.
        #[arg(long)]
        practitioner: Option<i32>,
    },
    /// Send the email that is due now (one dispatch pass), print what happened, and exit.
    SendDue,
    /// Fill the database (with an empty schedule) with N synthetic appointments over past and
    /// future, with their patients, outbox rows and audit rows: data for the benchmarks.
    Populate {
        #[arg(long)]
        appointments: usize,
    },
    /// Run each hot read path (availability API, booking page, month API, staff day view,
    /// dashboard) once on the database and print the query plan of every statement it sent;
    /// exits with status 1 when one reads a large table whole.
    QueryPlans {
        /// The date asked about (default: a week from today).
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
        /// The treatment's slug (default: the first on the menu).
        #[arg(long)]
        treatment: Option<String>,
    },
    /// Copy the live SQLite database to PATH (a new file) while it keeps serving; on PostgreSQL,
    /// print the pg_dump/pg_restore commands instead and exit with status 2.
    Backup {
        /// The file to write (it must not exist yet).
        path: String,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    carepath::telemetry::init_logging(&cli.settings.log_format);
    let settings = match Settings::from_args(&cli.settings) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    match cli.command.unwrap_or(Command::Serve) {
        Command::Migrate => {
            match carepath::startup::prepare_database(&settings, &Clock::system()) {
                Ok(pool) => {
                    let backend = match settings.database.backend {
                        db::Backend::Sqlite => "SQLite",
                        db::Backend::Postgres => "PostgreSQL",
                    };
                    drop(pool);
                    println!("database is up to date ({backend})");
                    std::process::ExitCode::SUCCESS
                }
                Err(e) => fail(&e),
            }
        }
        Command::CreateStaff {
            email,
            role,
            name,
            practitioner,
        } => match create_staff(&settings, &email, &role, &name, practitioner) {
            Ok(msg) => {
                println!("{msg}");
                std::process::ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
        Command::Serve => {
            let runtime = match tokio::runtime::Runtime::new() {
                Ok(r) => r,
                Err(e) => return fail(&e.to_string()),
            };
            runtime.block_on(async move {
                let app = match Application::build(settings, Clock::system()) {
                    Ok(a) => a,
                    Err(e) => return fail(&e),
                };
                log::info!("Carepath is serving at {}", app.state.base_url);
                let scheduler = match app.start_dispatcher().await {
                    Ok(s) => s,
                    Err(e) => return fail(&e),
                };
                let mut retention = match app.start_retention().await {
                    Ok(s) => s,
                    Err(e) => return fail(&e),
                };
                let bound = app.shutdown_timeout();
                // On SIGTERM the server stops accepting and lets requests in flight finish (at
                // most CAREPATH_SHUTDOWN_SECONDS; SIGINT drops them); then the dispatcher winds down.
                let result = app.run_until_stopped().await;
                log::info!("shutting down");
                let _ = retention.shutdown().await;
                if let Some(runner) = scheduler {
                    runner.shutdown(bound).await;
                }
                log::info!("stopped");
                match result {
                    Ok(()) => std::process::ExitCode::SUCCESS,
                    Err(e) => fail(&e.to_string()),
                }
            })
        }
        Command::Backup { path } => match db::backup::backup(&settings.database, &path) {
            Ok(db::backup::BackupOutcome::Copied(to)) => {
                println!("backed up the database to {to}");
                std::process::ExitCode::SUCCESS
            }
            Ok(db::backup::BackupOutcome::UsePgDump(help)) => {
                eprintln!("{help}");
                std::process::ExitCode::from(2)
            }
            Err(e) => fail(&e),
        },
        Command::Populate { appointments } => {
            let run = || -> Result<String, String> {
                let clock = Clock::system();
                let pool = carepath::startup::prepare_database(&settings, &clock)?;
                let mut conn = pool.get().map_err(|e| e.to_string())?;
                carepath::service::populate::populate(&mut conn, clock.now(), appointments)
                    .map(|r| r.to_string())
                    .map_err(|e| e.to_string())
            };
            match run() {
                Ok(report) => {
                    println!("{report}");
                    std::process::ExitCode::SUCCESS
                }
                Err(e) => fail(&e),
            }
        }
        Command::QueryPlans { date, treatment } => {
            let run = || -> Result<Vec<carepath::service::query_plans::PathPlans>, String> {
                let clock = Clock::system();
                let pool = carepath::startup::prepare_database(&settings, &clock)?;
                let mut conn = pool.get().map_err(|e| e.to_string())?;
                carepath::service::query_plans::hot_paths(
                    &mut conn,
                    clock.now(),
                    date,
                    treatment.as_deref(),
                )
                .map_err(|e| e.to_string())
            };
            match run() {
                Ok(paths) => {
                    print!("{}", carepath::service::query_plans::render(&paths));
                    let scans: Vec<String> = paths
                        .iter()
                        .flat_map(|p| {
                            p.full_scans().map(move |(s, t)| {
                                format!("{}: reads {t} whole in {}", p.path, s.sql)
                            })
                        })
                        .collect();
                    if scans.is_empty() {
                        println!("no statement reads a large table whole");
                        std::process::ExitCode::SUCCESS
                    } else {
                        eprintln!("full scans:\n{}", scans.join("\n"));
                        std::process::ExitCode::FAILURE
                    }
                }
                Err(e) => fail(&e),
            }
        }
        Command::SendDue => match send_due(settings) {
            Ok(report) => {
                println!("{report}");
                std::process::ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
    }
}

/// One dispatch pass at the system clock's now.
fn send_due(settings: Settings) -> Result<String, String> {
    use carepath::dispatch::{Dispatcher, dispatch_due};
    use carepath::mail::Mailer;
    let mailer = Mailer::from_settings(&settings.mail)?;
    let clock = Clock::system();
    let pool = carepath::startup::prepare_database(&settings, &clock)?;
    let base_url = settings
        .base_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", settings.bind));
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        log::info!("email goes to {}", mailer.describe());
        let dispatcher = Dispatcher::new(pool, mailer.clone(), &settings.mail, &base_url);
        let started = std::time::Instant::now();
        let report = dispatch_due(&dispatcher, clock.now())
            .await
            .map_err(|e| e.to_string())?;
        // Deployments that run send-due from cron get the daily summary here.
        let summary =
            carepath::dispatch::summary::send_unclosed_summary(&dispatcher, clock.now()).await;
        mailer.close().await;
        let secs = started.elapsed().as_secs_f64();
        let summary = match summary {
            Ok(true) => "; the summary of unclosed sessions went to the clinic",
            Ok(false) => "",
            // The due emails went; the summary is given back and tried on the next run.
            Err(e) => {
                log::error!("{e}");
                ""
            }
        };
        Ok(format!("{report} in {secs:.2}s{summary}"))
    })
}

fn create_staff(
    settings: &Settings,
    email: &str,
    role: &str,
    name: &str,
    practitioner: Option<i32>,
) -> Result<String, String> {
    use carepath::domain::staff::Role;
    use carepath::service::{audit::Actor, staff};
    let role = Role::parse(role).ok_or("--role must be admin, front_desk or practitioner")?;
    let password = match std::env::var("CAREPATH_STAFF_PASSWORD") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            let p = rpassword::prompt_password("Password for the new account: ")
                .map_err(|e| e.to_string())?;
            let again = rpassword::prompt_password("The same password again: ")
                .map_err(|e| e.to_string())?;
            if p != again {
                return Err("the two passwords don't match".into());
            }
            p
        }
    };
    let clock = Clock::system();
    let pool = carepath::startup::prepare_database(settings, &clock)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let name = if name.trim().is_empty() { email } else { name };
    let account = staff::NewAccount {
        email,
        name,
        role,
        practitioner_id: practitioner,
        password: &password,
        must_change_password: false,
    };
    match staff::create(&mut conn, clock.now(), &Actor::System, &account) {
        Ok(row) => Ok(format!("created {} account {}", role.label(), row.email)),
        Err(carepath::error::AppError::Invalid(fields)) => Err(fields
            .iter()
            .map(|(f, m)| format!("{f}: {m}"))
            .collect::<Vec<_>>()
            .join("; ")),
        Err(e) => Err(e.to_string()),
    }
}

fn fail(message: &str) -> std::process::ExitCode {
    eprintln!("carepath: {message}");
    std::process::ExitCode::FAILURE
}
