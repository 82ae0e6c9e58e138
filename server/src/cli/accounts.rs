//! `heard user`: staff accounts.

use anyhow::{Context, bail};
use clap::{Subcommand, ValueEnum};
use heard_app::db::Db;
use heard_app::domain::account::{Email, Password, Role};
use std::io::{BufRead, IsTerminal};

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add an account. The password is asked for at a prompt, or read as one
    /// line from standard input when that is not a terminal.
    Add {
        #[arg(long, value_enum)]
        role: RoleArg,
        /// The e-mail address the person logs in with.
        email: String,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum RoleArg {
    Admin,
    Worker,
    Viewer,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Role {
        match role {
            RoleArg::Admin => Role::Admin,
            RoleArg::Worker => Role::Worker,
            RoleArg::Viewer => Role::Viewer,
        }
    }
}

pub async fn run(database_url: &str, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add { role, email } => add_user(database_url, role.into(), &email).await,
    }
}

async fn add_user(database_url: &str, role: Role, email: &str) -> anyhow::Result<()> {
    let email = Email::parse(email)?;
    let password = Password::parse(read_password()?)?;
    let db = Db::connect(database_url).await?;
    let hash =
        tokio::task::spawn_blocking(move || heard_app::auth::hash_password(&password)).await?;
    if !db.create_user(&email, role, &hash).await? {
        bail!("there is already an account for {}", email.as_str());
    }
    println!("Added {} as {}.", email.as_str(), role.as_str());
    Ok(())
}

fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first =
            rpassword::prompt_password("Password: ").context("could not read the password")?;
        let again = rpassword::prompt_password("Password again: ")
            .context("could not read the password")?;
        if first != again {
            bail!("the two passwords are not the same");
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("could not read the password from standard input")?;
        let password = line.trim_end_matches(['\r', '\n']).to_owned();
        if password.is_empty() {
            bail!("no password on standard input");
        }
        Ok(password)
    }
}
