//! Work over `0..n` split into consecutive runs on a few threads: for the start-up-sized jobs
//! (parsing a large task file, writing a thousand files) where a thread costs about as much as a
//! hundred items.

use std::ops::Range;

/// At most this many threads.
const MAX_THREADS: usize = 8;

/// Runs `job` on consecutive runs of `0..n`, one run per thread, with as many threads as the
/// machine has (at most [`MAX_THREADS`]) but at least `per_thread` items each (so small jobs stay
/// on this thread). Once every run has finished, returns their results in order, or the error of
/// the first run that failed.
pub(crate) fn runs<R: Send, E: Send>(
    n: usize,
    per_thread: usize,
    job: impl Fn(Range<usize>) -> Result<R, E> + Sync,
) -> Result<Vec<R>, E> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |p| p.get())
        .min(MAX_THREADS)
        .min(n / per_thread.max(1))
        .max(1);
    if threads == 1 {
        return job(0..n).map(|r| vec![r]);
    }
    let size = n.div_ceil(threads);
    let job = &job;
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n)
            .step_by(size)
            .map(|start| scope.spawn(move || job(start..(start + size).min(n))))
            .collect();
        let results: Vec<Result<R, E>> = handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect();
        results.into_iter().collect()
    })
}

#[cfg(test)]
mod tests {
    use super::runs;

    #[test]
    fn runs_cover_everything_in_order() {
        for n in [0, 1, 7, 1000, 1001] {
            let parts = runs(n, 10, |r| Ok::<_, ()>(r.collect::<Vec<_>>())).unwrap();
            let all: Vec<usize> = parts.into_iter().flatten().collect();
            assert_eq!(all, (0..n).collect::<Vec<_>>());
        }
    }

    #[test]
    fn the_first_failing_run_is_reported() {
        let result = runs(1000, 10, |r| {
            if r.contains(&900) || r.contains(&5) {
                Err(r.start)
            } else {
                Ok(())
            }
        });
        assert_eq!(result, Err(0));
    }
}
