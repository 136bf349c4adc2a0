#![no_main]

#[path = "../checks/ingest.rs"]
#[allow(dead_code)]
mod check;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        // libFuzzer aborts on every panic. The reader turns a panic of the
        // workbook parser on its own thread into a read error, so only
        // those are let through; any other panic still aborts.
        let abort = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() != Some("xlsx-reader") {
                abort(info);
            }
        }));
    });
    check::check_xlsx(data)
});
