#![no_main]

#[path = "../checks/ingest.rs"]
#[allow(dead_code)]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check_csv(data));
