//! The one queue of requests' database work and the threads that run it.

use std::sync::{mpsc, Arc, Mutex};

use crate::error::AppError;

pub(super) type Job = Box<dyn FnOnce() + Send>;

/// One first-come, first-served queue of jobs for a fixed set of threads, shared by every HTTP
/// worker, so no request waits behind a busy worker while another's threads are idle
/// (BENCHMARKS.md, "Kept mechanisms"). The threads end when the last clone of the pool is dropped.
pub(super) struct WorkQueue {
    jobs: mpsc::Sender<Job>,
}

impl WorkQueue {
    pub(super) fn start(threads: usize) -> Self {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..threads {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("rollbook-db-{i}"))
                .spawn(move || loop {
                    // The lock is held only while waiting for the next job, never while running it.
                    let next = queue
                        .lock()
                        .map_err(|_| ())
                        .and_then(|q| q.recv().map_err(|_| ()));
                    let Ok(job) = next else { return };
                    // A panicking job drops its reply channel (its caller gets an error); the
                    // thread carries on with the next job.
                    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
                })
                .expect("cannot start a database thread");
        }
        Self { jobs }
    }

    pub(super) fn submit(&self, job: Job) -> Result<(), AppError> {
        self.jobs
            .send(job)
            .map_err(|_| AppError::Unexpected("the database threads have stopped".into()))
    }
}

#[cfg(test)]
mod queue_tests {
    use super::super::{request_threads, BACKGROUND_CONNECTIONS};
    use super::WorkQueue;
    use std::sync::mpsc;

    #[test]
    fn requests_get_every_connection_but_the_background_ones() {
        assert_eq!(request_threads(6), 6 - BACKGROUND_CONNECTIONS as usize);
        assert_eq!(request_threads(20), 18);
        assert_eq!(request_threads(2), 1);
        assert_eq!(request_threads(1), 1);
    }

    #[test]
    fn jobs_run_in_arrival_order_and_a_panic_does_not_stop_the_thread() {
        let queue = WorkQueue::start(1);
        let (done, finished) = mpsc::channel();
        queue.submit(Box::new(|| panic!("a failing job"))).unwrap();
        for i in 0..50 {
            let done = done.clone();
            queue
                .submit(Box::new(move || done.send(i).unwrap()))
                .unwrap();
        }
        let order: Vec<i32> = (0..50).map(|_| finished.recv().unwrap()).collect();
        assert_eq!(order, (0..50).collect::<Vec<_>>());
    }

    #[test]
    fn the_threads_share_one_queue() {
        // Two threads, one held by a job that waits: the next jobs all run on the other.
        let queue = WorkQueue::start(2);
        let (release, held) = mpsc::channel::<()>();
        let (done, finished) = mpsc::channel();
        let blocker = done.clone();
        queue
            .submit(Box::new(move || {
                held.recv().unwrap();
                blocker
                    .send(("held", std::thread::current().name().map(String::from)))
                    .unwrap();
            }))
            .unwrap();
        for _ in 0..5 {
            let done = done.clone();
            queue
                .submit(Box::new(move || {
                    done.send(("quick", std::thread::current().name().map(String::from)))
                        .unwrap();
                }))
                .unwrap();
        }
        let quick: Vec<_> = (0..5).map(|_| finished.recv().unwrap()).collect();
        assert!(quick.iter().all(|(what, _)| *what == "quick"));
        assert!(quick.windows(2).all(|w| w[0].1 == w[1].1), "{quick:?}");
        release.send(()).unwrap();
        let (what, thread) = finished.recv().unwrap();
        assert_eq!(what, "held");
        assert_ne!(thread, quick[0].1);
        assert!(thread.unwrap().starts_with("rollbook-db-"));
    }
}
