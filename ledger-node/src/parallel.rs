//! Work split over the cores with its order kept: strict Ed25519 checks dominate both a large
//! append batch and an auditor's `verify`, and each check is independent of the others.

/// Maps `items` through `check` on up to every core and returns the results in the items'
/// order. Fewer than `per_thread_min` items per thread run on the caller's thread (a thread
/// costs more than it saves). A part whose thread panics answers `failed()` for each of its
/// items, so one bad item cannot take the caller down (on the caller's own thread a panic
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
    let per_thread = items.len().div_ceil(threads);
    let mut rest = items.into_iter();
    let parts: Vec<Vec<T>> = (0..threads)
        .map(|_| rest.by_ref().take(per_thread).collect())
        .collect();
    let check = &check;
    std::thread::scope(|scope| {
        let running: Vec<_> = parts
            .into_iter()
            .map(|part| {
                let len = part.len();
                let handle = scope.spawn(move || part.into_iter().map(check).collect::<Vec<R>>());
                (len, handle)
            })
            .collect();
        running
            .into_iter()
            .flat_map(|(len, handle)| {
                handle
                    .join()
                    .unwrap_or_else(|_| (0..len).map(|_| failed()).collect())
            })
            .collect()
    })
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
    fn a_panicking_part_answers_failed_for_each_of_its_items() {
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
        assert_eq!(answers[0], Some(0));
        assert_eq!(answers[200], None);
    }
}
