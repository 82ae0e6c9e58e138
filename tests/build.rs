//! Marks the PostgreSQL variants of the integration tests as ignored when
//! no PostgreSQL database was named, so that a run without one reports them
//! as skipped instead of counting them as passed.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(heard_postgres)");
    println!("cargo::rerun-if-env-changed=HEARD_TEST_POSTGRES_URL");
    if std::env::var_os("HEARD_TEST_POSTGRES_URL").is_some_and(|url| !url.is_empty()) {
        println!("cargo::rustc-cfg=heard_postgres");
    }
}
