#![recursion_limit = "256"]
//! The server side of Heard: the command line (`cli`), the web server that
//! serves the Leptos app and the plain-form routes (`startup`), and the demo
//! survey a new Heard starts with (`demo`).

pub mod cli;
pub mod demo;
pub mod startup;
