//! The demo installation.
