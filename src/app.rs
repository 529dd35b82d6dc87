//! Builds the HTTP server on any address (port 0 in tests) from settings, pool and clock.

use std::net::TcpListener;
use std::sync::Arc;

use actix_session::config::{BrowserSession, CookieContentSecurity, TtlExtensionPolicy};
use actix_session::SessionMiddleware;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};

use crate::accounts::passwords::Passwords;
use crate::clock::Clock;
use crate::config::{Environment, Settings};
use crate::web::auth::{require_roles, Role};
use crate::web::session_store::{PgSessionStore, SessionCache};
use crate::{accounts, admin, attendance, parents, AppState};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "rollbook_session";
/// Largest request body accepted anywhere (forms are smaller; imports say so themselves).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// How long a stopping server (SIGTERM, SIGINT) lets requests in flight finish.
pub const SHUTDOWN_GRACE_SECS: u64 = 10;

/// A bound, not yet running server and the port it listens on.
pub struct Application {
    pub port: u16,
    pub server: Server,
    pub state: AppState,
    /// The areas' own state, each a `web::Data` of its own.
    pub areas: AreaState,
}

/// The areas' own state: registered beside `AppState`, reached by the areas that own it.
#[derive(Clone)]
pub struct AreaState {
    /// The hashing service shared by sign-in, password changes and invitations.
    pub passwords: web::Data<Passwords>,
    /// Sign-ins refused while every hashing slot was busy, waiting to be recorded.
    pub busy_log: web::Data<crate::accounts::busy::BusyLog>,
    /// Each school's board of registers for a day (the office page, the dashboards' today).
    pub boards: web::Data<crate::models::board::Boards>,
}

impl Application {
    /// Binds `settings.bind` and wires the whole app. The caller runs `server`.
    pub fn build(
        settings: Settings,
        pool: crate::db::PgPool,
        clock: Clock,
        workers: Option<usize>,
    ) -> std::io::Result<Self> {
        let listener = listen(&settings.bind)?;
        Self::with_listener(listener, settings, pool, clock, workers)
    }

    /// Wires the app onto a listener the caller bound (tests bind port 0 first, so the public
    /// URL can name the real port).
    pub fn with_listener(
        listener: TcpListener,
        settings: Settings,
        pool: crate::db::PgPool,
        clock: Clock,
        workers: Option<usize>,
    ) -> std::io::Result<Self> {
        let port = listener.local_addr()?.port();
        let mailer = crate::mail::Mailer::from_settings(&settings)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let sessions = SessionCache::listening_to(&pool);
        let state = AppState {
            sessions,
            pool,
            settings: Arc::new(settings),
            clock,
            mailer,
            registers_changed: Arc::new(crate::memo::Epoch::default()),
        };
        let areas = AreaState {
            passwords: web::Data::new(Passwords::for_this_machine()),
            busy_log: web::Data::new(crate::accounts::busy::BusyLog::default()),
            boards: web::Data::new(crate::models::board::boards()),
        };
        let server = serve(listener, state.clone(), areas.clone(), workers)?;
        Ok(Self {
            port,
            server,
            state,
            areas,
        })
    }
}

/// Connections waiting to be accepted. std's `TcpListener::bind` allows 128: a burst of more
/// people at once (the first period's sign-ins) overflowed it in `make bench`'s storm, and each
/// dropped connection was retried by its client a second later.
const LISTEN_BACKLOG: i32 = 1024;

/// A listening socket on `addr` (`host:port`) with [`LISTEN_BACKLOG`].
fn listen(addr: &str) -> std::io::Result<TcpListener> {
    use std::net::ToSocketAddrs;
    let addr = addr.to_socket_addrs()?.next().ok_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, "no address to listen on")
    })?;
    let socket = socket2::Socket::new(
        socket2::Domain::for_address(addr),
        socket2::Type::STREAM,
        None,
    )?;
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(LISTEN_BACKLOG)?;
    Ok(socket.into())
}

fn serve(
    listener: TcpListener,
    state: AppState,
    areas: AreaState,
    workers: Option<usize>,
) -> std::io::Result<Server> {
    let workers = workers.unwrap_or_else(cores);
    let key = Key::derive_from(&state.settings.session_key);
    let secure = state.settings.env == Environment::Production;
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        let store = PgSessionStore::new(
            data.pool.clone(),
            data.clock.clone(),
            Arc::clone(&data.sessions),
        );
        let sessions = SessionMiddleware::builder(store, key.clone())
            .cookie_name(SESSION_COOKIE.into())
            .cookie_secure(secure)
            .cookie_http_only(true)
            .cookie_same_site(SameSite::Lax)
            .cookie_content_security(CookieContentSecurity::Private)
            .session_lifecycle(
                BrowserSession::default()
                    .state_ttl_extension_policy(TtlExtensionPolicy::OnStateChanges),
            )
            .build();
        App::new()
            .app_data(data.clone())
            .app_data(areas.passwords.clone())
            .app_data(areas.busy_log.clone())
            .app_data(areas.boards.clone())
            .app_data(web::FormConfig::default().limit(MAX_BODY_BYTES))
            .app_data(web::PayloadConfig::default().limit(MAX_BODY_BYTES))
            // An impossible id or date in a path is "no such page", as DESIGN.md §5 says.
            .app_data(
                web::PathConfig::default()
                    .error_handler(|_, _| crate::error::AppError::NotFound.into()),
            )
            .wrap(from_fn(crate::web::headers::add))
            .wrap(from_fn(crate::web::request_id::trace))
            .service(actix_files::Files::new("/static", static_dir()))
            .configure(crate::web::health::routes)
            .service(
                web::scope("")
                    .wrap(from_fn(crate::web::csrf::check))
                    .wrap(sessions)
                    .wrap(from_fn(crate::web::session_store::recheck))
                    .configure(accounts::routes)
                    .service(
                        web::scope("/admin")
                            .wrap(from_fn(|req, next| {
                                require_roles(&[Role::Admin, Role::Principal], req, next)
                            }))
                            .configure(admin::routes)
                            .configure(attendance::register_routes)
                            .configure(attendance::office::routes)
                            .configure(crate::gradebook::settings::routes),
                    )
                    .service(
                        web::scope("/teacher")
                            .wrap(from_fn(|req, next| {
                                require_roles(&[Role::Teacher], req, next)
                            }))
                            .configure(attendance::routes)
                            .configure(crate::gradebook::routes)
                            .configure(crate::dashboard::teacher_routes),
                    )
                    .service(
                        web::scope("/dashboard")
                            .wrap(from_fn(|req, next| {
                                require_roles(&[Role::Admin, Role::Principal], req, next)
                            }))
                            .configure(crate::dashboard::routes),
                    )
                    .service(
                        web::scope("/parent")
                            .wrap(from_fn(|req, next| {
                                require_roles(&[Role::Parent], req, next)
                            }))
                            .configure(parents::routes),
                    )
                    .default_service(web::to(not_found)),
            )
    })
    .listen(listener)?;
    Ok(server
        .workers(workers)
        .shutdown_timeout(SHUTDOWN_GRACE_SECS)
        .run())
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// The default pool: a connection per core for requests, plus the background's. With PostgreSQL
/// on the same machine, one request thread per core keeps every core busy without threads taking
/// turns (BENCHMARKS.md, "Kept mechanisms"); with PostgreSQL elsewhere, raise `ROLLBOOK_POOL_SIZE`.
pub fn default_pool_size() -> u32 {
    cores() as u32 + crate::db::BACKGROUND_CONNECTIONS
}

async fn not_found() -> Result<actix_web::HttpResponse, crate::error::AppError> {
    Err(crate::error::AppError::NotFound)
}

/// The static folder: next to the binary's working directory, or the crate's when run by cargo.
fn static_dir() -> std::path::PathBuf {
    let here = std::path::PathBuf::from("static");
    if here.is_dir() {
        return here;
    }
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("static")
}

/// Background work of a running server: the mail worker, session clean-up, the insight
/// summaries and the busy sign-ins' log.
pub fn spawn_background_work(app: &Application) {
    let state = &app.state;
    crate::mail::spawn_worker(state);
    spawn_session_cleanup(state);
    crate::dashboard::spawn_refresh(state);
    crate::accounts::busy::spawn_writer(state, app.areas.busy_log.clone());
}

/// Deletes dead sessions every five minutes while the server runs.
fn spawn_session_cleanup(state: &AppState) {
    let state = state.clone();
    actix_web::rt::spawn(async move {
        let mut tick = actix_web::rt::time::interval(std::time::Duration::from_secs(300));
        loop {
            tick.tick().await;
            let now = state.clock.now();
            let result = crate::db::run_background(&state.pool, move |conn| {
                Ok(crate::web::session_store::delete_expired(conn, now)?)
            })
            .await;
            match result {
                Ok(n) if n > 0 => tracing::info!(deleted = n, "expired sessions removed"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = ?e, "session clean-up failed"),
            }
        }
    });
}
