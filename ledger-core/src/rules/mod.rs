//! Assessment rule sets (in progress).
