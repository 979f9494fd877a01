//! `lanyard-tray`: Lanyard's tray process on Linux (see `native.rs`). `lanyard-app` hands over
//! to it; elsewhere the tray runs inside `lanyard-app`.

fn main() {
    #[cfg(target_os = "linux")]
    std::process::exit(lanyard_app::native::main());
    #[cfg(not(target_os = "linux"))]
    {
        eprintln!("lanyard-tray runs on Linux only; start lanyard-app");
        std::process::exit(2);
    }
}
