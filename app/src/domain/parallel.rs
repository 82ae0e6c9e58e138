//! Work spread over the machine's cores: checking half a million imported
//! rows, or suggesting themes for a page of answers, on every core rather
//! than one.

/// `work` done on `items` in as many consecutive parts as the machine has
/// cores, each part on a thread of its own (all in one part where there
/// are no threads, as in a browser); the results in the items' order.
/// `work` is given a whole part, so it can keep what it learns (a cache)
/// from one item to the next.
pub fn by_parts<T: Sync, R: Send>(items: &[T], work: impl Fn(&[T]) -> Vec<R> + Sync) -> Vec<R> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        if cores > 1 && items.len() > 1 {
            let part = items.len().div_ceil(cores);
            let work = &work;
            return std::thread::scope(|scope| {
                let parts: Vec<_> = items
                    .chunks(part)
                    .map(|part| scope.spawn(move || work(part)))
                    .collect();
                parts
                    .into_iter()
                    .flat_map(|part| {
                        part.join()
                            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                    })
                    .collect()
            });
        }
    }
    work(items)
}

#[cfg(test)]
mod tests {
    use super::by_parts;

    #[test]
    fn every_item_is_worked_on_once_and_the_results_keep_their_order() {
        let items: Vec<u32> = (0..1001).collect();
        let doubled = by_parts(&items, |part| part.iter().map(|n| n * 2).collect());
        assert_eq!(doubled, items.iter().map(|n| n * 2).collect::<Vec<_>>());
        assert_eq!(
            by_parts(&[] as &[u32], |part| part.to_vec()),
            Vec::<u32>::new()
        );
    }
}
