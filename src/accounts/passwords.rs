//! Password hashing with argon2id (OWASP parameters: 19 MiB, t=2, p=1).
//!
//! Hashing is CPU- and memory-heavy, so it runs on the blocking pool, never while holding a
//! database connection, and at most one hash per core runs at once: when every slot is busy the
//! caller is told to come back (HTTP 429) instead of queueing behind a storm of sign-ins.
//! Hashes run on threads of their own at a low CPU priority (nice 10): they use every idle
//! cycle, but a storm of sign-ins never slows the pages teachers are using.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use tokio::sync::Semaphore;

use crate::error::AppError;

/// Seconds a client is asked to wait when every hashing slot is busy.
pub const BUSY_RETRY_AFTER: u64 = 1;

/// The hashing service shared by sign-in, password changes and invitations.
#[derive(Clone)]
pub struct Passwords {
    slots: Arc<Semaphore>,
    verifications: Arc<AtomicU64>,
    jobs: std::sync::mpsc::SyncSender<Job>,
}

type Job = Box<dyn FnOnce() + Send>;

/// Starts `n` low-priority hashing threads fed from one queue (the semaphore keeps it short).
fn hashing_threads(n: usize) -> std::sync::mpsc::SyncSender<Job> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Job>(n);
    let rx = Arc::new(std::sync::Mutex::new(rx));
    for i in 0..n {
        let rx = rx.clone();
        let _ = std::thread::Builder::new()
            .name(format!("argon2-{i}"))
            .spawn(move || {
                // Linux: this thread only (each thread is its own task); lowering priority needs
                // no privilege. Failure leaves the default priority, which is still correct.
                // SAFETY: setpriority has no memory-safety preconditions.
                unsafe {
                    libc::setpriority(libc::PRIO_PROCESS, 0, 10);
                }
                loop {
                    let job = match rx.lock() {
                        Ok(guard) => guard.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                }
            });
    }
    tx
}

impl Passwords {
    /// Runs `work` on a hashing thread and waits for it without blocking the caller's thread.
    async fn on_hashing_thread<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(work());
        });
        let jobs = self.jobs.clone();
        // The semaphore admits no more jobs than threads, so the queue never fills for long.
        actix_web::web::block(move || jobs.send(job))
            .await
            .map_err(|e| AppError::Unexpected(format!("hashing queue: {e}")))?
            .map_err(|_| AppError::Unexpected("hashing threads stopped".into()))?;
        rx.await
            .map_err(|_| AppError::Unexpected("hashing task failed".into()))
    }
}

impl Passwords {
    pub fn new(slots: usize) -> Self {
        let slots = slots.max(1);
        Self {
            slots: Arc::new(Semaphore::new(slots)),
            verifications: Arc::new(AtomicU64::new(0)),
            jobs: hashing_threads(slots),
        }
    }

    /// One slot per core.
    pub fn for_this_machine() -> Self {
        Self::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    }

    /// True when every hashing slot is taken (a sign-in now would be refused).
    pub fn busy(&self) -> bool {
        self.slots.available_permits() == 0
    }

    /// How many verifications ran (real and dummy); lets tests see that an unknown email still
    /// paid for a verification.
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::SeqCst)
    }

    /// Checks `password` against `stored` (a PHC string). With `stored = None` (unknown email,
    /// no password yet) a dummy hash is verified so the answer takes as long as a real one.
    pub async fn verify(&self, stored: Option<String>, password: String) -> Result<bool, AppError> {
        let permit =
            self.slots
                .clone()
                .try_acquire_owned()
                .map_err(|_| AppError::TooManyRequests {
                    retry_after: BUSY_RETRY_AFTER,
                })?;
        let counter = self.verifications.clone();
        self.on_hashing_thread(move || {
            let _permit = permit;
            counter.fetch_add(1, Ordering::SeqCst);
            let real = stored.is_some();
            let phc = stored.unwrap_or_else(|| dummy_hash().to_string());
            let ok = Argon2::default()
                .verify_password(password.as_bytes(), phc.as_str())
                .is_ok();
            real && ok
        })
        .await
    }

    /// Hashes a new password (already checked against the policy).
    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        let permit =
            self.slots
                .clone()
                .try_acquire_owned()
                .map_err(|_| AppError::TooManyRequests {
                    retry_after: BUSY_RETRY_AFTER,
                })?;
        self.on_hashing_thread(move || {
            let _permit = permit;
            hash_now(&password)
        })
        .await?
    }
}

/// Hashes synchronously (for the CLI and the demo seed, which own their thread).
pub fn hash_now(password: &str) -> Result<String, AppError> {
    PasswordHasher::<PasswordHash>::hash_password(&Argon2::default(), password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::Unexpected(format!("argon2: {e}")))
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_now("rollbook dummy password for timing").expect("argon2 works"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_with_owasp_parameters() {
        let phc = hash_now("correct horse battery staple").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        let parsed = PasswordHash::new(&phc).unwrap();
        assert!(Argon2::default()
            .verify_password(b"correct horse battery staple", &parsed)
            .is_ok());
        assert!(Argon2::default()
            .verify_password(b"wrong", phc.as_str())
            .is_err());
    }
}
