//! `rollbook serve | migrate | seed-demo | create-admin --email …`

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use diesel::prelude::*;
use rollbook::accounts::passwords::hash_now;
use rollbook::app::Application;
use rollbook::clock::Clock;
use rollbook::config::{Environment, Settings};
use rollbook::domain::{EmailAddress, NewPassword};
use rollbook::{db, seed, telemetry};

const USAGE: &str = "usage: rollbook <command>

commands:
  serve                     apply migrations and serve (ROLLBOOK_BIND, default 127.0.0.1:8080)
  migrate                   apply pending database migrations
  seed-demo                 create the demo district once (refused when ROLLBOOK_ENV=production)
  create-admin --email E [--name N]
                            create an administrator; the password is read from a prompt or stdin";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("serve") => serve(),
        Some("migrate") => settings().and_then(|s| migrate(&s)),
        Some("seed-demo") => settings().and_then(|s| seed_demo(&s)),
        Some("create-admin") => settings().and_then(|s| create_admin(&s, &args[1..])),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("rollbook: {message}");
            ExitCode::FAILURE
        }
    }
}

fn settings() -> Result<Settings, String> {
    let settings = Settings::from_env()?;
    telemetry::init(settings.log_format);
    Ok(settings)
}

fn connect(settings: &Settings) -> Result<PgConnection, String> {
    PgConnection::establish(&settings.database_url)
        .map_err(|e| format!("cannot connect to the database: {e}"))
}

fn migrate(settings: &Settings) -> Result<(), String> {
    let applied = db::migrate(&mut connect(settings)?)?;
    println!("migrations: {applied} applied, database is up to date");
    Ok(())
}

fn seed_demo(settings: &Settings) -> Result<(), String> {
    if settings.env == Environment::Production {
        return Err("seed-demo is refused when ROLLBOOK_ENV=production".into());
    }
    NewPassword::parse(&settings.demo_password, &[])
        .map_err(|e| format!("ROLLBOOK_DEMO_PASSWORD does not meet the password policy: {e}"))?;
    let mut conn = connect(settings)?;
    db::migrate(&mut conn)?;
    let hash = hash_now(&settings.demo_password).map_err(|e| format!("{e:?}"))?;
    let today = chrono::Utc::now().date_naive();
    match seed::seed_demo(&mut conn, &hash, today, true)
        .map_err(|e| format!("seeding failed: {e}"))?
    {
        seed::SeedOutcome::AlreadySeeded => {
            println!("demo district: already there, nothing changed")
        }
        seed::SeedOutcome::Created { students, accounts } => {
            println!("demo district: created {students} students and {accounts} accounts")
        }
    }
    println!(
        "demo sign-ins (password: ROLLBOOK_DEMO_PASSWORD, default {:?}):",
        rollbook::config::DEFAULT_DEMO_PASSWORD
    );
    for (email, what) in [
        (seed::DEMO_ADMIN, "district administrator"),
        (
            seed::DEMO_PRINCIPAL,
            "principal of Northgate Community School",
        ),
        (
            seed::DEMO_TEACHER,
            "teacher of 7A (homeroom, maths) and 8A (maths)",
        ),
        (seed::DEMO_PARENT, "parent of two children, in 7A and 8B"),
    ] {
        println!("  {email:<26} {what}");
    }
    Ok(())
}

fn create_admin(settings: &Settings, args: &[String]) -> Result<(), String> {
    let mut email = None;
    let mut name = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--email" => email = it.next().cloned(),
            "--name" => name = it.next().cloned(),
            "--password" => {
                return Err(
                    "passwords are never taken as flags; type it at the prompt or pipe it on stdin"
                        .into(),
                )
            }
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    let email = EmailAddress::parse(email.as_deref().ok_or("create-admin needs --email")?)
        .map_err(str::to_string)?;
    let name = name.unwrap_or_else(|| {
        email
            .as_str()
            .split('@')
            .next()
            .unwrap_or("Administrator")
            .to_string()
    });
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password for the new administrator: ")
            .map_err(|e| e.to_string())?;
        let again =
            rpassword::prompt_password("The same password again: ").map_err(|e| e.to_string())?;
        if first != again {
            return Err("the two passwords are not the same".into());
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    let password =
        NewPassword::parse(&password, &[email.as_str(), &name]).map_err(str::to_string)?;
    let hash = hash_now(password.expose()).map_err(|e| format!("{e:?}"))?;
    let mut conn = connect(settings)?;
    db::migrate(&mut conn)?;
    use rollbook::schema::users;
    let inserted = diesel::insert_into(users::table)
        .values((
            users::email.eq(email.as_str()),
            users::display_name.eq(name.trim()),
            users::role.eq("admin"),
            users::password_hash.eq(&hash),
        ))
        .on_conflict_do_nothing()
        .execute(&mut conn)
        .map_err(|e| format!("cannot create the administrator: {e}"))?;
    if inserted == 0 {
        return Err(format!("an account with the email {email} already exists"));
    }
    println!("administrator {email} created");
    Ok(())
}

fn serve() -> Result<(), String> {
    // glibc gives each thread that allocates its own malloc arena and rarely hands memory back;
    // with many blocking-pool threads that alone can hold hundreds of MB. Two arenas are plenty.
    #[cfg(target_env = "gnu")]
    // SAFETY: mallopt only sets an allocator tunable; called before any other thread exists.
    // A fixed mmap threshold (glibc otherwise raises it after each big free, up to 32 MB) keeps
    // argon2's 19 MiB blocks and large page buffers out of the heap: they go back to the system
    // when freed instead of pinning fragmented heap; a trim threshold returns freed heap tops.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1024 * 1024);
    }
    let settings = settings()?;
    // Migrate on a connection of its own: pooled connections prepare statements on tables that
    // must exist first.
    migrate(&settings)?;
    let pool = db::pool(&settings.database_url, settings.pool_size);
    let bind = settings.bind.clone();
    let public_url = settings.public_url.clone();
    let runtime = actix_web::rt::System::new();
    runtime.block_on(async move {
        let app = Application::build(settings, pool, Clock::system(), None)
            .map_err(|e| format!("cannot listen on {bind}: {e}"))?;
        rollbook::app::spawn_background_work(&app);
        tracing::info!(%bind, %public_url, "Rollbook is serving");
        println!("Rollbook is serving at {public_url} (listening on {bind})");
        app.server.await.map_err(|e| e.to_string())
    })
}
