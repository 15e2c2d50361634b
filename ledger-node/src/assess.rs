//! `hocba assess` (in progress).

/// Runs the calculator on one learner's input.
///
/// # Errors
/// The message for standard error.
pub fn run(_input: &[u8]) -> Result<String, String> {
    Err("not available yet".to_owned())
}
