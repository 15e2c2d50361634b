//! The học bạ domain on the log (in progress).
