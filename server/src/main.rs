//! The `heard` binary. Everything happens in the `heard_server` library so
//! tests and tools can reach it; this only hands over.

fn main() -> std::process::ExitCode {
    heard_server::cli::main()
}
