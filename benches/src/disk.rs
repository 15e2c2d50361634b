//! Bytes on disk of a data directory, by part, against the raw bytes of its records.

use std::os::unix::fs::MetadataExt as _;
use std::path::Path;

use ledger_core::record::RecordView;
use ledger_node::layout::Layout;

use crate::report::{mib, thousands, Table};

/// Apparent length and allocated bytes of the files under a path.
#[derive(Clone, Copy, Debug, Default)]
pub struct Bytes {
    pub length: u64,
    pub allocated: u64,
}

impl std::ops::Add for Bytes {
    type Output = Self;
    fn add(self, other: Self) -> Self {
        Self {
            length: self.length + other.length,
            allocated: self.allocated + other.allocated,
        }
    }
}

fn bytes_under(path: &Path) -> Bytes {
    let Ok(metadata) = std::fs::symlink_metadata(path) else {
        return Bytes::default();
    };
    if metadata.is_dir() {
        std::fs::read_dir(path)
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| bytes_under(&entry.path()))
            .fold(Bytes::default(), |sum, part| sum + part)
    } else {
        Bytes {
            length: metadata.len(),
            allocated: metadata.blocks() * 512,
        }
    }
}

/// The sizes found.
#[derive(Clone, Debug, Default)]
pub struct Usage {
    pub records: u64,
    pub record_bytes: u64,
    pub body_bytes: u64,
    pub payload_bytes: u64,
    pub segments: Bytes,
    pub tree: Bytes,
    pub offsets: Bytes,
    pub idempotency: Bytes,
    pub checkpoints: Bytes,
}

impl Usage {
    /// (segments + tree) / raw record bytes, by apparent length.
    pub fn log_and_tree_ratio(&self) -> f64 {
        (self.segments.length + self.tree.length) as f64 / self.record_bytes.max(1) as f64
    }
}

/// Measures the data directory `data`; prints a table.
pub fn measure(data: &Path) -> Usage {
    let layout = Layout::new(data);
    let mut usage = Usage::default();
    let mut payload_sample = 0u64;
    let mut sampled = 0u64;
    ledger_node::scan::scan(&layout.segments(), |index, record| {
        usage.records += 1;
        usage.record_bytes += record.len() as u64;
        let view = RecordView::decode(record).expect("a valid record");
        usage.body_bytes += view.body().len() as u64;
        // Parsing every body is slow; a sample of the payload sizes suffices.
        if index % 97 == 0 {
            let body: serde_json::Value = serde_json::from_slice(view.body()).expect("a JSON body");
            payload_sample += ledger_core::canonical::to_canonical(&body["payload"])
                .expect("canonical payload")
                .len() as u64;
            sampled += 1;
        }
        Ok::<(), std::io::Error>(())
    })
    .expect("scan the segments");
    usage.payload_bytes = payload_sample * usage.records / sampled.max(1);
    usage.segments = bytes_under(&layout.segments());
    usage.tree = bytes_under(&layout.tree());
    usage.offsets = bytes_under(&layout.offsets());
    usage.idempotency = bytes_under(&layout.idempotency());
    usage.checkpoints = bytes_under(&layout.checkpoints());

    let records = usage.records.max(1) as f64;
    let mut table = Table::new(
        &format!(
            "Bytes on disk for {} records (mean payload {:.0} B, body {:.0} B, record {:.0} B)",
            thousands(usage.records as f64),
            usage.payload_bytes as f64 / records,
            usage.body_bytes as f64 / records,
            usage.record_bytes as f64 / records,
        ),
        &[
            "part",
            "MiB (length)",
            "MiB (allocated)",
            "bytes/record",
            "× raw record bytes",
        ],
    );
    let raw = usage.record_bytes.max(1) as f64;
    let mut line = |part: &str, bytes: Bytes| {
        table.row(vec![
            part.to_owned(),
            format!("{:.1}", mib(bytes.length)),
            format!("{:.1}", mib(bytes.allocated)),
            format!("{:.1}", bytes.length as f64 / records),
            format!("{:.3}", bytes.length as f64 / raw),
        ]);
    };
    line(
        "raw record bytes",
        Bytes {
            length: usage.record_bytes,
            allocated: usage.record_bytes,
        },
    );
    line("log segments (framed records)", usage.segments);
    line("tree level files", usage.tree);
    line("log + tree (the target)", usage.segments + usage.tree);
    line("index/offsets", usage.offsets);
    line(
        "log + tree + offsets",
        usage.segments + usage.tree + usage.offsets,
    );
    line("index/idempotency", usage.idempotency);
    line("checkpoints history", usage.checkpoints);
    line(
        "everything",
        usage.segments + usage.tree + usage.offsets + usage.idempotency + usage.checkpoints,
    );
    table.print();
    usage
}
