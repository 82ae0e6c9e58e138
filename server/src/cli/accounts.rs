//! `heard user`: staff accounts.

use anyhow::{Context, bail};
use clap::{Subcommand, ValueEnum};
use heard_app::db::Db;
use heard_app::domain::account::{Email, Password, Role};
use std::io::{BufRead, IsTerminal};

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add an account. The password is asked for at a prompt, or read as one
    /// line from standard input when that is not a terminal. An admin
    /// account gets its second factor at once: its key and recovery codes
    /// are printed.
    Add {
        #[arg(long, value_enum)]
        role: RoleArg,
        /// The e-mail address the person logs in with.
        email: String,
    },
    /// List accounts, tab-separated: e-mail address, role, active or
    /// disabled, second factor (yes/no), live sessions.
    List,
    /// Disable an account: it cannot log in, and its sessions end now.
    Disable { email: String },
    /// Enable a disabled account again.
    Enable { email: String },
    /// End every session of an account (it must log in again).
    EndSessions { email: String },
    /// Change an account's role.
    Role {
        #[arg(long, value_enum)]
        role: RoleArg,
        email: String,
    },
    /// Give an account a new second factor and recovery codes (for a lost
    /// phone): the old ones stop working and its sessions end. Prints the
    /// new key and codes.
    SecondFactor { email: String },
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

/// Who the audit log names for what is done on the command line.
const COMMAND_LINE: &str = "heard (command line)";

pub async fn run(database_url: &str, command: UserCommand) -> anyhow::Result<()> {
    use heard_app::use_cases::accounts as use_case;
    let email_of = |text: &str| Email::parse(text);
    match command {
        UserCommand::Add { role, email } => {
            let email = email_of(&email)?;
            let password = Password::parse(read_password()?)?;
            let db = Db::connect(database_url).await?;
            let role = Role::from(role);
            let setup = use_case::add_account(&db, COMMAND_LINE, &email, role, password).await?;
            println!("Added {} as {}.", email.as_str(), role.as_str());
            if let Some(setup) = setup {
                print_second_factor(&setup);
            }
        }
        UserCommand::List => {
            let db = Db::connect(database_url).await?;
            for account in use_case::list_accounts(&db).await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    account.email,
                    account.role.as_str(),
                    if account.disabled {
                        "disabled"
                    } else {
                        "active"
                    },
                    if account.second_factor { "yes" } else { "no" },
                    account.sessions
                );
            }
        }
        UserCommand::Disable { email } => {
            let email = email_of(&email)?;
            let db = Db::connect(database_url).await?;
            use_case::set_disabled(&db, COMMAND_LINE, &email, true).await?;
            println!("Disabled {}; its sessions have ended.", email.as_str());
        }
        UserCommand::Enable { email } => {
            let email = email_of(&email)?;
            let db = Db::connect(database_url).await?;
            use_case::set_disabled(&db, COMMAND_LINE, &email, false).await?;
            println!("Enabled {}.", email.as_str());
        }
        UserCommand::EndSessions { email } => {
            let email = email_of(&email)?;
            let db = Db::connect(database_url).await?;
            let ended = use_case::end_sessions(&db, COMMAND_LINE, &email).await?;
            println!("Ended {ended} session(s) of {}.", email.as_str());
        }
        UserCommand::Role { role, email } => {
            let email = email_of(&email)?;
            let db = Db::connect(database_url).await?;
            let role = Role::from(role);
            let setup = use_case::set_role(&db, COMMAND_LINE, &email, role).await?;
            println!("{} is now {}.", email.as_str(), role.as_str());
            if let Some(setup) = setup {
                print_second_factor(&setup);
            }
        }
        UserCommand::SecondFactor { email } => {
            let email = email_of(&email)?;
            let db = Db::connect(database_url).await?;
            let setup = use_case::reset_second_factor(&db, COMMAND_LINE, &email).await?;
            println!(
                "New second factor for {}; its sessions have ended.",
                email.as_str()
            );
            print_second_factor(&setup);
        }
    }
    Ok(())
}

/// Prints a second factor for the person to add to their app, and their
/// recovery codes: shown here once, stored only as hashes.
fn print_second_factor(setup: &heard_app::use_cases::accounts::SecondFactorSetup) {
    println!(
        "Second factor: add this key to an authenticator app (or open the link on the phone):"
    );
    println!("key: {}", setup.secret);
    println!("link: {}", setup.otpauth_uri);
    println!("Recovery codes (each works once; keep them away from the phone):");
    for code in &setup.recovery_codes {
        println!("  {code}");
    }
}

/// `heard audit`: the audit log, newest first.
pub async fn audit(database_url: &str, since: Option<&str>, limit: i64) -> anyhow::Result<()> {
    let since = match since {
        Some(day) => heard_app::domain::summary::parse_day(day)
            .with_context(|| format!("\"{day}\" is not a date written YYYY-MM-DD"))?,
        None => 0,
    };
    let db = Db::connect(database_url).await?;
    println!("time (UTC)\twho\twhat\tdetail");
    for entry in heard_app::use_cases::accounts::audit_log(&db, since, limit).await? {
        println!(
            "{}\t{}\t{}\t{}",
            heard_app::domain::audit::time_of(entry.at),
            entry.who,
            entry.action,
            entry.detail
        );
    }
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
