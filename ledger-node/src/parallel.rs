//! Work split over the cores with its order kept: strict Ed25519 checks dominate both a large
//! append batch and an auditor's `verify`, and each check is independent of the others.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Mutex, PoisonError};

/// Items a thread takes at a time. Threads take more as they finish, so they all finish within
/// one take of each other even when another thread (the sequencer) shares their cores: an even
/// split up front left one thread finishing alone while the others waited.
const TAKE: usize = 8;

/// Maps `items` through `check` on up to every core and returns the results in the items'
/// order. Fewer than `per_thread_min` items per thread run on the caller's thread (a thread
/// costs more than it saves). An item whose check panics on another thread answers `failed()`,
/// so one bad item cannot take the caller down (on the caller's own thread a panic
/// propagates).
pub(crate) fn map_in_order<T, R>(
    items: Vec<T>,
    per_thread_min: usize,
    check: impl Fn(T) -> R + Sync,
    failed: impl Fn() -> R,
) -> Vec<R>
where
    T: Send,
    R: Send,
{
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let threads = cores.min(items.len() / per_thread_min.max(1)).max(1);
    if threads == 1 {
        return items.into_iter().map(check).collect();
    }
    let count = items.len();
    let queue = Mutex::new(items.into_iter().enumerate());
    let (queue, check) = (&queue, &check);
    let done: Vec<Vec<(usize, Option<R>)>> = std::thread::scope(|scope| {
        let running: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(move || {
                    let mut done = Vec::new();
                    loop {
                        let taken: Vec<(usize, T)> = queue
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .by_ref()
                            .take(TAKE)
                            .collect();
                        if taken.is_empty() {
                            return done;
                        }
                        for (at, item) in taken {
                            done.push((at, catch_unwind(AssertUnwindSafe(|| check(item))).ok()));
                        }
                    }
                })
            })
            .collect();
        running
            .into_iter()
            .map(|handle| handle.join().unwrap_or_default())
            .collect()
    });
    let mut results: Vec<Option<R>> = (0..count).map(|_| None).collect();
    for (at, result) in done.into_iter().flatten() {
        results[at] = result;
    }
    results
        .into_iter()
        .map(|result| result.unwrap_or_else(&failed))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::map_in_order;

    #[test]
    fn keeps_the_order_across_threads() {
        let items: Vec<u32> = (0..1_000).collect();
        let doubled = map_in_order(items, 8, |n| n * 2, || u32::MAX);
        assert_eq!(doubled, (0..1_000).map(|n| n * 2).collect::<Vec<_>>());
    }

    #[test]
    fn few_items_run_on_the_callers_thread() {
        let caller = std::thread::current().id();
        let threads = map_in_order(
            vec![1, 2, 3],
            64,
            |_| std::thread::current().id(),
            || caller,
        );
        assert!(threads.iter().all(|id| *id == caller));
    }

    #[test]
    fn a_panicking_item_answers_failed_and_the_others_their_results() {
        if std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get) < 2 {
            return; // one core: everything runs on the caller's thread, where a panic is a panic
        }
        let items: Vec<u32> = (0..256).collect();
        let answers = map_in_order(
            items,
            8,
            |n| {
                assert!(n != 200, "item 200 panics");
                Some(n)
            },
            || None,
        );
        assert_eq!(answers.len(), 256);
        for (n, answer) in answers.iter().enumerate() {
            let expected = (n != 200).then(|| u32::try_from(n).unwrap());
            assert_eq!(*answer, expected);
        }
    }
}
