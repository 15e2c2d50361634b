//! `hocba demo`: a node with realistic demo data on the embedded defaults.
//!
//! On an empty data directory it creates a node that enforces the học bạ rules, rooted in the
//! demo Ministry key, and appends a generated province (`fixtures::province`: THCS, THPT and
//! GDTX schools, their staff, learners and the school year) through the real append path:
//! signature checks, the domain judge, the sequencer and group commit. The year is loaded *up to
//! today*, each event sequenced at its own date, as if the node had been running since August;
//! later events are left for the schools to append. On an existing directory it just serves.
//!
//! The demo keys are deterministic and written to `DIR/demo-keys/` (hex Ed25519 seeds), so the
//! documented examples can sign more events.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use base64::Engine as _;
use fixtures::province::{Province, Spec};

use crate::config::Policy;
use crate::sequencer::{self, Clock};

/// The demo log's origin.
pub const DEMO_ORIGIN: &str = "demo.hocba-ledger.example/so-gddt-79/2026-2027";

/// Up to this many learners the demo keeps five schools (two THCS, two THPT, one GDTX centre) of
/// four classes each and grows the classes; beyond it, a province of 24-class schools.
const SMALL_PROVINCE_LEARNERS_MAX: u64 = 20 * 45;

/// The generated province of a demo with about `learners` learners.
#[must_use]
pub fn province(learners: u64) -> Province {
    let learners = learners.max(1);
    let spec = if learners <= SMALL_PROVINCE_LEARNERS_MAX {
        Spec {
            classes_per_school: 4,
            learners_per_class: u32::try_from(learners.div_ceil(20)).expect("at most 45"),
            ..Spec::small()
        }
    } else {
        Spec::province(learners)
    };
    Province::generate(&spec)
}

/// The node policy of the demo: the học bạ rules under the province's Ministry keys.
#[must_use]
pub fn policy(province: &Province) -> Policy {
    Policy::Hocba {
        ministry_keys: province
            .ministry_keys()
            .iter()
            .map(|key| base64::engine::general_purpose::STANDARD.encode(key.to_bytes()))
            .collect(),
    }
}

/// A clock that reads a set time while the demo loads past events, and the machine's clock
/// once it is cleared (0).
#[derive(Clone, Default)]
pub struct LoadingClock(Arc<AtomicU64>);

impl LoadingClock {
    /// The clock to give the node.
    #[must_use]
    pub fn clock(&self) -> Clock {
        let set = Arc::clone(&self.0);
        Arc::new(move || match set.load(Ordering::SeqCst) {
            0 => sequencer::now_us(),
            at => at,
        })
    }

    /// Sequences the next event at `at_us`.
    pub fn set(&self, at_us: u64) {
        self.0.store(at_us, Ordering::SeqCst);
    }

    /// Back to the machine's clock.
    pub fn clear(&self) {
        self.0.store(0, Ordering::SeqCst);
    }
}

/// Writes the demo signing keys to `directory`, one `<label>.seed` file each (hex; demo use only).
///
/// # Errors
/// I/O errors.
pub fn write_keys(province: &Province, directory: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(directory)?;
    for (label, key) in province.keys() {
        let name = label.replace('/', "_");
        std::fs::write(
            directory.join(format!("{name}.seed")),
            format!("{}\n", fixtures::hex::encode(&key.to_bytes())),
        )?;
    }
    std::fs::write(
        directory.join("README"),
        "Deterministic demo keys (hex Ed25519 seeds), named after their holders' roles.\n\
         Public demo material: never use them for real records.\n",
    )
}
