#![no_main]

#[path = "../checks/standards.rs"]
#[allow(dead_code)]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| check::check(data));
