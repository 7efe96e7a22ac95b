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
}

fn main() -> std::process::ExitCode {
    env_logger::Builder::from_env(
        env_logger::Env::default().default_filter_or("info,actix_web=warn,actix_server=warn"),
    )
    .init();
    let cli = Cli::parse();
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
                match app.run_until_stopped().await {
                    Ok(()) => std::process::ExitCode::SUCCESS,
                    Err(e) => fail(&e.to_string()),
                }
            })
        }
    }
}

fn fail(message: &str) -> std::process::ExitCode {
    eprintln!("carepath: {message}");
    std::process::ExitCode::FAILURE
}
