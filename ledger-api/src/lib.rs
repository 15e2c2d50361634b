//! The HTTP contract of hocba-ledger.
//!
//! - [`service::LedgerService`]: what a node must provide; the router calls nothing else.
//! - [`router`]: the axum routes, thin handlers that extract input, call one service method and
//!   return. No domain logic and no storage here.
//! - [`error::ApiError`]: every refusal with its stable code, rendered as RFC 9457 problem
//!   details.
//! - [`wire`]: request and response bodies.
//! - [`client::Client`]: the typed client used by the CLI, tests, benches and mirrors.
//!
//! The C2SP read paths (`/log/checkpoint`, `/log/tile/…`) are served byte for byte as
//! c2sp.org/tlog-tiles specifies; their encoding lives in `ledger-core`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod auth;
pub mod client;
pub mod error;
pub mod httpsig;
pub mod identity;
pub mod openapi;
pub mod request_log;
pub mod router;
pub mod service;
pub mod wire;

pub use error::ApiError;
pub use service::LedgerService;
