//! The `heard` binary. Everything happens in the `heard_server` library so
//! tests and tools can reach it; this only hands over.

/// See the note on `mimalloc` in Cargo.toml: memory freed by password
/// checks and imports goes back to the system.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    heard_server::cli::main()
}
