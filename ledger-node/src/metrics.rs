//! The node's metrics, rendered for `GET /metrics` in the Prometheus text exposition format
//! 0.0.4 (<https://prometheus.io/docs/instrumenting/exposition_formats/>).
//!
//! # Design
//! One registry per node, [`NodeMetrics`], holds every counter and histogram in atomics; the
//! text format is written only here. The HTTP layer keeps no state of its own: its request-log
//! middleware (`ledger_api::request_log`) reports each answered request to the service
//! (`LedgerService::observe_request`), and `GET /metrics` returns `LedgerService::metrics`,
//! which is [`NodeMetrics::render`]. So `ledger-api` still knows HTTP and not storage, and a
//! metric cannot be rendered twice or in two dialects.
//!
//! Three kinds of value:
//! - counters and histograms updated where things happen: the service counts each append's
//!   outcome and latency, the sequencer's handle owns the group-commit histogram, the
//!   checkpointer marks each publication;
//! - gauges read when scraped ([`Gauges`]: log size, checkpoint size, queue depth …), so they
//!   never go stale and cost nothing between scrapes;
//! - nothing else: no external crate, no background thread.
//!
//! Writers take no lock on the hot path: a histogram observation is two relaxed atomic adds; a
//! labelled counter takes a read lock to find its atomic and the write lock only the first time
//! a label set is seen. Label sets are bounded by construction: append refusals by stable
//! problem code, HTTP requests by route template (never the raw path) and status.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;
use std::time::{Duration, Instant};

use ledger_api::wire::Receipt;
use ledger_api::ApiError;

/// Bounds of the latency histograms, in microseconds: 1 ms to 10 s, three steps a decade.
pub const LATENCY_BOUNDS_US: [u64; 13] = [
    1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000,
    5_000_000, 10_000_000,
];

/// Bounds of the records-per-group-commit histogram: powers of two up to the sequencer's
/// largest batch ([`crate::sequencer::BATCH_RECORDS_MAX`]).
pub const GROUP_COMMIT_RECORDS_BOUNDS: [u64; 13] =
    [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1_024, 2_048, 4_096];
const _: () = assert!(
    GROUP_COMMIT_RECORDS_BOUNDS[GROUP_COMMIT_RECORDS_BOUNDS.len() - 1]
        == crate::sequencer::BATCH_RECORDS_MAX as u64
);

/// The unit a histogram observes in, and how its values are rendered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Plain counts (records), rendered as integers.
    Count,
    /// Microseconds, rendered in seconds as Prometheus requires.
    Microseconds,
}

impl Unit {
    /// Writes `value` in the rendered unit, exactly (no floating point).
    fn write(self, out: &mut String, value: u64) {
        match self {
            Unit::Count => {
                let _ = write!(out, "{value}");
            }
            Unit::Microseconds => {
                let fraction = format!("{:06}", value % 1_000_000);
                let fraction = fraction.trim_end_matches('0');
                let _ = write!(out, "{}", value / 1_000_000);
                if !fraction.is_empty() {
                    let _ = write!(out, ".{fraction}");
                }
            }
        }
    }
}

/// A histogram with fixed bucket bounds.
pub struct Histogram {
    bounds: &'static [u64],
    unit: Unit,
    /// Observations per bucket, not cumulative; the last is the `+Inf` bucket.
    buckets: Box<[AtomicU64]>,
    sum: AtomicU64,
}

impl Histogram {
    /// A histogram with upper bounds `bounds` (inclusive, as Prometheus's `le`).
    ///
    /// # Panics
    /// If `bounds` is empty or not strictly increasing: a programming error.
    #[must_use]
    pub fn new(bounds: &'static [u64], unit: Unit) -> Self {
        assert!(
            !bounds.is_empty() && bounds.windows(2).all(|pair| pair[0] < pair[1]),
            "histogram bounds must be non-empty and strictly increasing"
        );
        Self {
            bounds,
            unit,
            buckets: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum: AtomicU64::new(0),
        }
    }

    /// Counts one observation of `value`.
    pub fn observe(&self, value: u64) {
        let bucket = self.bounds.partition_point(|&bound| bound < value);
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        self.sum.fetch_add(value, Ordering::Relaxed);
    }

    /// Counts one duration (for a histogram in [`Unit::Microseconds`]).
    pub fn observe_duration(&self, duration: Duration) {
        self.observe(u64::try_from(duration.as_micros()).unwrap_or(u64::MAX));
    }

    /// How many observations were counted.
    #[must_use]
    pub fn count(&self) -> u64 {
        self.buckets
            .iter()
            .map(|bucket| bucket.load(Ordering::Relaxed))
            .sum()
    }

    /// Writes the family: `# HELP`, `# TYPE`, cumulative `_bucket` lines, `_sum` and `_count`.
    /// `_count` is the sum of the buckets read once, so it always equals the `+Inf` bucket even
    /// while observations race with the scrape.
    fn render(&self, out: &mut String, name: &str, help: &str) {
        header(out, name, help, "histogram");
        let mut cumulative = 0u64;
        for (position, bucket) in self.buckets.iter().enumerate() {
            cumulative += bucket.load(Ordering::Relaxed);
            let _ = write!(out, "{name}_bucket{{le=\"");
            match self.bounds.get(position) {
                Some(&bound) => self.unit.write(out, bound),
                None => out.push_str("+Inf"),
            }
            let _ = writeln!(out, "\"}} {cumulative}");
        }
        let _ = write!(out, "{name}_sum ");
        self.unit.write(out, self.sum.load(Ordering::Relaxed));
        let _ = writeln!(out, "\n{name}_count {cumulative}");
    }
}

/// Counters of one family, one per label set. The key is the rendered label set
/// (`outcome="refused",code="x"`), so a hit needs no allocation and rendering is a copy.
#[derive(Default)]
struct CounterFamily {
    counters: RwLock<BTreeMap<String, AtomicU64>>,
}

impl CounterFamily {
    fn increment(&self, labels: &str) {
        if let Some(counter) = self.counters.read().expect("counters lock").get(labels) {
            counter.fetch_add(1, Ordering::Relaxed);
            return;
        }
        self.counters
            .write()
            .expect("counters lock")
            .entry(labels.to_owned())
            .or_default()
            .fetch_add(1, Ordering::Relaxed);
    }

    /// Makes a label set appear (at 0) before anything is counted, so rates start at zero.
    fn declare(&self, labels: &str) {
        self.counters
            .write()
            .expect("counters lock")
            .entry(labels.to_owned())
            .or_default();
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        header(out, name, help, "counter");
        for (labels, counter) in self.counters.read().expect("counters lock").iter() {
            let _ = writeln!(
                out,
                "{name}{{{labels}}} {}",
                counter.load(Ordering::Relaxed)
            );
        }
    }
}

fn header(out: &mut String, name: &str, help: &str, kind: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn gauge(out: &mut String, name: &str, help: &str, value: u64) {
    header(out, name, help, "gauge");
    let _ = writeln!(out, "{name} {value}");
}

/// A label value escaped as the text format requires (backslash, double quote, newline).
fn label_value(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    for character in value.chars() {
        match character {
            '\\' => escaped.push_str("\\\\"),
            '"' => escaped.push_str("\\\""),
            '\n' => escaped.push_str("\\n"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// The values read from the node when it is scraped.
#[derive(Clone, Debug, Default)]
pub struct Gauges {
    /// Durable records in the log (its head).
    pub log_size_records: u64,
    /// Bytes of the segment files, when they could be listed.
    pub log_size_bytes: Option<u64>,
    /// Tree size of the newest published checkpoint (0 before the first).
    pub checkpoint_size_records: u64,
    /// Log head size minus the size the projections reflect (0 without projections).
    pub projection_lag_records: u64,
    /// Submissions waiting in the sequencer's queue (none on a node that cannot append).
    pub sequencer_queue_depth: Option<u64>,
}

/// The label set of an append's outcome.
fn outcome_labels(answer: &Result<Receipt, ApiError>) -> String {
    match answer {
        Ok(receipt) if receipt.duplicate => "outcome=\"duplicate\"".to_owned(),
        Ok(_) => "outcome=\"accepted\"".to_owned(),
        Err(refusal) => format!(
            "outcome=\"refused\",code=\"{}\"",
            label_value(&refusal.code)
        ),
    }
}

/// The registry of a node.
pub struct NodeMetrics {
    started: Instant,
    /// When the newest checkpoint was published, in microseconds after `started`.
    checkpoint_published_us: AtomicU64,
    appends: CounterFamily,
    append_latency: Histogram,
    http_requests: CounterFamily,
    http_latency: Histogram,
}

impl Default for NodeMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl NodeMetrics {
    /// An empty registry; the checkpoint age counts from now until a checkpoint is published.
    #[must_use]
    pub fn new() -> Self {
        let appends = CounterFamily::default();
        appends.declare("outcome=\"accepted\"");
        appends.declare("outcome=\"duplicate\"");
        Self {
            started: Instant::now(),
            checkpoint_published_us: AtomicU64::new(0),
            appends,
            append_latency: Histogram::new(&LATENCY_BOUNDS_US, Unit::Microseconds),
            http_requests: CounterFamily::default(),
            http_latency: Histogram::new(&LATENCY_BOUNDS_US, Unit::Microseconds),
        }
    }

    /// Counts one answered append (single or one event of a batch) and its latency: from the
    /// submission entering the node to its answer.
    pub fn observe_append(&self, answer: &Result<Receipt, ApiError>, latency: Duration) {
        self.appends.increment(&outcome_labels(answer));
        self.append_latency.observe_duration(latency);
    }

    /// Counts one answered HTTP request by route template and status.
    pub fn observe_request(&self, route: &str, status: u16, latency: Duration) {
        self.http_requests.increment(&format!(
            "route=\"{}\",status=\"{status}\"",
            label_value(route)
        ));
        self.http_latency.observe_duration(latency);
    }

    /// Marks that a checkpoint was just published.
    pub fn checkpoint_published(&self) {
        self.checkpoint_published_us
            .store(micros(self.started.elapsed()), Ordering::Relaxed);
    }

    /// Time since the newest checkpoint was published by this process, or since the registry
    /// was made when none has been.
    #[must_use]
    pub fn checkpoint_age(&self) -> Duration {
        let published = Duration::from_micros(self.checkpoint_published_us.load(Ordering::Relaxed));
        self.started.elapsed().saturating_sub(published)
    }

    /// The whole exposition: the registry's families, `group_commits` (owned by the sequencer)
    /// and the gauges read at scrape time.
    #[must_use]
    pub fn render(&self, gauges: &Gauges, group_commits: &Histogram) -> String {
        let mut out = String::with_capacity(4096);
        self.appends.render(
            &mut out,
            "hocba_appends_total",
            "Appends answered, per event, by outcome (accepted, duplicate, refused with its problem code).",
        );
        self.append_latency.render(
            &mut out,
            "hocba_append_latency_seconds",
            "Time from a submission entering the node to its answer.",
        );
        group_commits.render(
            &mut out,
            "hocba_group_commit_records",
            "New records written per group commit (one write and one fdatasync).",
        );
        header(
            &mut out,
            "hocba_group_commits_total",
            "Group commits that wrote records.",
            "counter",
        );
        let _ = writeln!(out, "hocba_group_commits_total {}", group_commits.count());
        gauge(
            &mut out,
            "hocba_log_size_records",
            "Durable records in the log.",
            gauges.log_size_records,
        );
        if let Some(bytes) = gauges.log_size_bytes {
            gauge(
                &mut out,
                "hocba_log_size_bytes",
                "Bytes of the log's segment files.",
                bytes,
            );
        }
        gauge(
            &mut out,
            "hocba_checkpoint_size_records",
            "Tree size of the newest published checkpoint.",
            gauges.checkpoint_size_records,
        );
        header(
            &mut out,
            "hocba_checkpoint_age_seconds",
            "Seconds since the newest checkpoint was published (since the node started when none was).",
            "gauge",
        );
        out.push_str("hocba_checkpoint_age_seconds ");
        Unit::Microseconds.write(&mut out, micros(self.checkpoint_age()));
        out.push('\n');
        gauge(
            &mut out,
            "hocba_projection_lag_records",
            "Log head size minus the log size the projections reflect.",
            gauges.projection_lag_records,
        );
        if let Some(depth) = gauges.sequencer_queue_depth {
            gauge(
                &mut out,
                "hocba_sequencer_queue_depth",
                "Submissions waiting for the sequencer.",
                depth,
            );
        }
        self.http_requests.render(
            &mut out,
            "hocba_http_requests_total",
            "HTTP requests answered, by route template and status.",
        );
        self.http_latency.render(
            &mut out,
            "hocba_http_request_duration_seconds",
            "Time from an HTTP request's arrival to its response.",
        );
        out
    }
}

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    static SMALL: [u64; 3] = [1_000, 2_500, 1_000_000];

    #[test]
    fn histogram_renders_cumulative_buckets_in_seconds() {
        let histogram = Histogram::new(&SMALL, Unit::Microseconds);
        // 1 ms is inside `le="0.001"` (bounds are inclusive); 2.5001 ms is not inside 0.0025.
        for value in [0, 1_000, 2_500, 2_501, 3_000_000] {
            histogram.observe(value);
        }
        let mut out = String::new();
        histogram.render(&mut out, "t_seconds", "A test.");
        assert_eq!(
            out,
            "# HELP t_seconds A test.\n\
             # TYPE t_seconds histogram\n\
             t_seconds_bucket{le=\"0.001\"} 2\n\
             t_seconds_bucket{le=\"0.0025\"} 3\n\
             t_seconds_bucket{le=\"1\"} 4\n\
             t_seconds_bucket{le=\"+Inf\"} 5\n\
             t_seconds_sum 3.006001\n\
             t_seconds_count 5\n"
        );
    }

    #[test]
    fn count_histogram_renders_integers() {
        let histogram = Histogram::new(&GROUP_COMMIT_RECORDS_BOUNDS, Unit::Count);
        histogram.observe(3);
        histogram.observe(4_096);
        let mut out = String::new();
        histogram.render(&mut out, "r", "R.");
        assert!(out.contains("r_bucket{le=\"2\"} 0\nr_bucket{le=\"4\"} 1\n"));
        assert!(out.contains("r_bucket{le=\"4096\"} 2\nr_bucket{le=\"+Inf\"} 2\n"));
        assert!(out.ends_with("r_sum 4099\nr_count 2\n"));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn appends_are_labelled_by_outcome_and_code() {
        let metrics = NodeMetrics::new();
        let refusal = ApiError::unavailable("sequencer-busy", "full");
        metrics.observe_append(&Err(refusal.clone()), Duration::from_millis(2));
        metrics.observe_append(&Err(refusal), Duration::from_millis(2));
        let text = metrics.render(&Gauges::default(), &Histogram::new(&SMALL, Unit::Count));
        assert!(text.contains("hocba_appends_total{outcome=\"accepted\"} 0\n"));
        assert!(
            text.contains("hocba_appends_total{outcome=\"refused\",code=\"sequencer-busy\"} 2\n")
        );
        assert!(text.contains("hocba_append_latency_seconds_count 2\n"));
        assert!(text.contains("hocba_append_latency_seconds_sum 0.004\n"));
        assert!(
            !text.contains("hocba_log_size_bytes"),
            "omitted when unknown"
        );
    }
}
