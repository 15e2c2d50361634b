//! Percentiles, rate formatting, plain-text tables and a description of the machine.

use std::path::Path;
use std::time::Duration;

/// Percentiles of a set of samples, in the samples' unit.
#[derive(Clone, Copy, Debug, Default)]
pub struct Summary {
    pub count: usize,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
    pub mean: f64,
}

impl Summary {
    /// Summarises `samples` (sorted in place). Nearest-rank percentiles.
    pub fn of(samples: &mut [f64]) -> Self {
        if samples.is_empty() {
            return Self::default();
        }
        samples.sort_by(f64::total_cmp);
        let rank = |p: f64| {
            let position = (p * samples.len() as f64).ceil() as usize;
            samples[position.clamp(1, samples.len()) - 1]
        };
        Self {
            count: samples.len(),
            p50: rank(0.50),
            p90: rank(0.90),
            p99: rank(0.99),
            p999: rank(0.999),
            max: samples[samples.len() - 1],
            mean: samples.iter().sum::<f64>() / samples.len() as f64,
        }
    }
}

/// A rate with a thousands separator: `41,234`.
pub fn thousands(value: f64) -> String {
    let rounded = value.round() as u64;
    let digits = rounded.to_string();
    let mut out = String::new();
    for (position, digit) in digits.chars().enumerate() {
        if position > 0 && (digits.len() - position) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Events per second.
pub fn per_second(count: u64, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64().max(1e-9)
}

/// Bytes in MiB.
pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// A table printed with aligned columns.
pub struct Table {
    title: String,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(title: &str, headers: &[&str]) -> Self {
        Self {
            title: title.to_owned(),
            headers: headers.iter().map(|header| (*header).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Prints the table as Markdown (readable as is, pastes into docs).
    pub fn print(&self) {
        let columns = self.headers.len();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (column, cell) in row.iter().enumerate().take(columns) {
                widths[column] = widths[column].max(cell.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let mut out = String::from("|");
            for (column, width) in widths.iter().enumerate() {
                let cell = cells.get(column).map_or("", String::as_str);
                let pad = width - cell.chars().count();
                out.push(' ');
                out.push_str(cell);
                out.push_str(&" ".repeat(pad));
                out.push_str(" |");
            }
            out
        };
        println!("\n### {}\n", self.title);
        println!("{}", line(&self.headers));
        let rule: Vec<String> = widths.iter().map(|width| "-".repeat(*width)).collect();
        println!("{}", line(&rule));
        for row in &self.rows {
            println!("{}", line(row));
        }
        println!();
    }
}

/// CPU seconds used by this process so far, exited threads included (`/proc/self/stat` utime +
/// stime, in USER_HZ = 100 ticks per second, the fixed unit of that file on Linux).
pub fn process_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |position: usize| {
        fields
            .get(position)
            .and_then(|field| field.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// The number of CPUs this process may use.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// One line per fact about the machine and the directory benchmarked.
pub fn machine(directory: &Path) -> Vec<(String, String)> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .and_then(|rest| rest.split_once(':'))
        .map_or("unknown".to_owned(), |(_, model)| model.trim().to_owned());
    let flags = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("flags"))
        .unwrap_or_default()
        .split_whitespace()
        .filter(|flag| ["avx2", "avx512f", "avx512ifma", "sha_ni", "adx"].contains(flag))
        .collect::<Vec<_>>()
        .join(" ");
    let memory = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .map_or("unknown".to_owned(), |rest| {
            let kib: f64 = rest
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse()
                .unwrap_or(0.0);
            format!("{:.1} GiB", kib / 1024.0 / 1024.0)
        });
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .unwrap_or_default()
        .trim()
        .to_owned();
    let date = std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .ok()
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned())
        .unwrap_or_default();
    vec![
        ("date".into(), date),
        ("cores (available_parallelism)".into(), cores().to_string()),
        ("cpu".into(), model),
        ("cpu flags used by the crypto".into(), flags),
        ("memory".into(), memory),
        ("kernel".into(), kernel),
        ("load average (1/5/15 min) at start".into(), load_average()),
        ("data directory".into(), directory.display().to_string()),
        ("filesystem".into(), filesystem_of(directory)),
    ]
}

/// `/proc/loadavg`'s three load averages: other work sharing the machine shows here.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The mount (device, type, mount point) holding `path`, from /proc/mounts.
pub fn filesystem_of(path: &Path) -> String {
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    mounts
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (device, point, kind) = (fields.first()?, fields.get(1)?, fields.get(2)?);
            path.starts_with(point).then(|| {
                (
                    point.len(),
                    format!("{kind} on {device} (mounted at {point})"),
                )
            })
        })
        .max_by_key(|(length, _)| *length)
        .map_or("unknown".to_owned(), |(_, description)| description)
}

pub fn print_machine(directory: &Path) {
    let mut table = Table::new("Machine", &["what", "value"]);
    for (what, value) in machine(directory) {
        table.row(vec![what, value]);
    }
    table.print();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut samples: Vec<f64> = (1..=100).map(f64::from).collect();
        let summary = Summary::of(&mut samples);
        assert_eq!(summary.p50, 50.0);
        assert_eq!(summary.p99, 99.0);
        assert_eq!(summary.max, 100.0);
        assert_eq!(thousands(1_234_567.4), "1,234,567");
        assert_eq!(thousands(999.0), "999");
    }
}
