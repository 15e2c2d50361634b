//! `verify::verify` over a data directory, with and without signatures.

use std::path::Path;
use std::time::{Duration, Instant};

use ledger_node::layout::Layout;
use ledger_node::verify::{self, Options};

use crate::report::{per_second, process_cpu_seconds, thousands, Table};

/// One verification pass.
#[derive(Clone, Copy, Debug)]
pub struct Pass {
    pub records: u64,
    pub elapsed: Duration,
    pub cpu_seconds: f64,
}

impl Pass {
    pub fn rate(&self) -> f64 {
        per_second(self.records, self.elapsed)
    }
}

/// Runs `verify` `repeat` times each way in `modes` (true = with signatures); returns the median
/// pass of each mode, in the order given.
pub fn run(data: &Path, repeat: usize, modes: &[bool]) -> Vec<Pass> {
    let layout = Layout::new(data);
    let mut table = Table::new(
        "verify::verify on the append benchmark's data directory (warm page cache)",
        &[
            "signatures",
            "run",
            "records",
            "seconds",
            "records/s",
            "cores busy",
            "CPU µs/record",
        ],
    );
    let mut medians = Vec::new();
    for &signatures in modes {
        let mut passes = Vec::new();
        for run in 0..repeat.max(1) {
            let cpu_before = process_cpu_seconds();
            let start = Instant::now();
            let report = verify::verify(&layout, Options { signatures }, |_| {})
                .expect("the benchmark's log verifies");
            let pass = Pass {
                records: report.records,
                elapsed: start.elapsed(),
                cpu_seconds: process_cpu_seconds() - cpu_before,
            };
            table.row(vec![
                if signatures { "yes" } else { "no" }.into(),
                (run + 1).to_string(),
                thousands(pass.records as f64),
                format!("{:.2}", pass.elapsed.as_secs_f64()),
                thousands(pass.rate()),
                format!("{:.2}", pass.cpu_seconds / pass.elapsed.as_secs_f64()),
                format!("{:.1}", pass.cpu_seconds * 1e6 / pass.records.max(1) as f64),
            ]);
            passes.push(pass);
        }
        passes.sort_by_key(|pass| pass.elapsed);
        medians.push(passes[passes.len() / 2]);
    }
    table.print();
    medians
}
