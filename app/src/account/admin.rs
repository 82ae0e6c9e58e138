//! The admin's pages: every account with its live sessions, where an admin
//! ends sessions and disables or enables accounts, and the audit log. The
//! same work is `heard user ...` and `heard audit` on the command line;
//! both call `use_cases::accounts`.

use crate::domain::account::AccountSummary;
use crate::domain::audit::AuditEntry;
use crate::error::AppError;
use crate::ui::LogOutButton;
use leptos::prelude::*;
use leptos_meta::Title;

#[cfg(feature = "ssr")]
use crate::domain::account::{Email, Role};

#[server(endpoint = "list_accounts")]
pub async fn list_accounts() -> Result<Vec<AccountSummary>, AppError> {
    crate::auth::require(Role::Admin).await?;
    let state = crate::state::app_state()?;
    Ok(crate::use_cases::accounts::list_accounts(&state.db).await?)
}

/// Ends every session of an account (it must log in again).
#[server(endpoint = "end_account_sessions")]
pub async fn end_account_sessions(email: String) -> Result<u64, AppError> {
    let admin = crate::auth::require(Role::Admin).await?;
    let state = crate::state::app_state()?;
    let email =
        Email::parse(&email).map_err(|e| crate::auth::refuse(AppError::BadInput(e.to_string())))?;
    crate::use_cases::accounts::end_sessions(&state.db, &admin.email, &email)
        .await
        .map_err(|e| crate::auth::refuse(e.into()))
}

/// Disables an account (ending its sessions) or enables it again.
#[server(endpoint = "set_account_disabled")]
pub async fn set_account_disabled(email: String, disabled: bool) -> Result<(), AppError> {
    let admin = crate::auth::require(Role::Admin).await?;
    let state = crate::state::app_state()?;
    let email =
        Email::parse(&email).map_err(|e| crate::auth::refuse(AppError::BadInput(e.to_string())))?;
    crate::use_cases::accounts::set_disabled(&state.db, &admin.email, &email, disabled)
        .await
        .map_err(|e| crate::auth::refuse(e.into()))
}

/// The latest 500 entries of the audit log.
#[server(endpoint = "read_audit_log")]
pub async fn read_audit_log() -> Result<Vec<AuditEntry>, AppError> {
    crate::auth::require(Role::Admin).await?;
    let state = crate::state::app_state()?;
    Ok(crate::use_cases::accounts::audit_log(&state.db, 0, 500).await?)
}

#[component]
pub fn AccountsPage() -> impl IntoView {
    let end = ServerAction::<EndAccountSessions>::new();
    let disable = ServerAction::<SetAccountDisabled>::new();
    let accounts = Resource::new(
        move || (end.version().get(), disable.version().get()),
        |_| list_accounts(),
    );
    let outcome = move || {
        let ended = end
            .value()
            .get()
            .map(|r| r.map(|n| format!("Ended {n} session(s).")));
        let changed = disable
            .value()
            .get()
            .map(|r| r.map(|()| "Saved.".to_owned()));
        ended.or(changed).map(|result| match result {
            Ok(message) => view! { <p class="panel-done" role="status">{message}</p> }.into_any(),
            Err(error) => view! { <crate::ui::ErrorMessage error/> }.into_any(),
        })
    };
    view! {
        <Title text="Accounts - Heard"/>
        <div class="page-head">
            <p><a href="/rounds">"All rounds"</a> " · " <a href="/admin/audit">"Audit log"</a></p>
            <LogOutButton/>
        </div>
        <h1>"Accounts"</h1>
        <p class="lead">"Accounts are added with heard user add. A disabled account cannot log in, and its sessions end at once."</p>
        {outcome}
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || accounts.get().map(|result| crate::ui::unless_error(result.map(|accounts| view! {
                <table class="table">
                    <caption class="visually-hidden">"Staff accounts"</caption>
                    <thead><tr>
                        <th scope="col">"E-mail address"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Second factor"</th>
                        <th scope="col">"Live sessions"</th>
                        <th scope="col">"Last active"</th>
                        <th scope="col">"Actions"</th>
                    </tr></thead>
                    <tbody>
                        {accounts.into_iter().map(|account| view! { <AccountRow account end disable/> }).collect_view()}
                    </tbody>
                </table>
            })))}
        </Suspense>
    }
}

#[component]
fn AccountRow(
    account: AccountSummary,
    end: ServerAction<EndAccountSessions>,
    disable: ServerAction<SetAccountDisabled>,
) -> impl IntoView {
    let email = account.email.clone();
    let (end_email, toggle_email) = (email.clone(), email.clone());
    let end_label = format!("End sessions of {email}");
    let toggle = if account.disabled {
        "Enable"
    } else {
        "Disable"
    };
    let toggle_label = format!("{toggle} {email}");
    let last_active = account
        .last_seen_at
        .map(crate::domain::summary::day_of)
        .unwrap_or_else(|| "—".to_owned());
    let status = if account.disabled {
        format!("{} (disabled)", account.role.as_str())
    } else {
        account.role.as_str().to_owned()
    };
    view! {
        <tr>
            <th scope="row">{email}</th>
            <td>{status}</td>
            <td>{if account.second_factor { "yes" } else { "no" }}</td>
            <td>{account.sessions.to_string()}</td>
            <td>{last_active}</td>
            <td class="actions">
                <ActionForm action=end attr:class="inline-form">
                    <input type="hidden" name="email" value=end_email.clone()/>
                    <button class="button button-secondary" type="submit" aria-label=end_label.clone()>"End sessions"</button>
                </ActionForm>
                <ActionForm action=disable attr:class="inline-form">
                    <input type="hidden" name="email" value=toggle_email.clone()/>
                    <input type="hidden" name="disabled" value=(!account.disabled).to_string()/>
                    <button class="button button-secondary" type="submit" aria-label=toggle_label.clone()>{toggle}</button>
                </ActionForm>
            </td>
        </tr>
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let entries = Resource::new(|| (), |_| read_audit_log());
    view! {
        <Title text="Audit log - Heard"/>
        <div class="page-head">
            <p><a href="/rounds">"All rounds"</a> " · " <a href="/admin/accounts">"Accounts"</a></p>
            <LogOutButton/>
        </div>
        <h1>"Audit log"</h1>
        <p class="lead">"Logins, second factors, account changes, exports, share links, imports and erasures, newest first. No one can change it through Heard; heard audit prints all of it."</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || entries.get().map(|result| crate::ui::unless_error(result.map(|entries| view! {
                <table class="table">
                    <caption class="visually-hidden">"Audit log"</caption>
                    <thead><tr>
                        <th scope="col">"When (UTC)"</th>
                        <th scope="col">"Who"</th>
                        <th scope="col">"What"</th>
                        <th scope="col">"Detail"</th>
                    </tr></thead>
                    <tbody>
                        {entries.into_iter().map(|entry| view! {
                            <tr>
                                <td>{crate::domain::audit::time_of(entry.at)}</td>
                                <td>{entry.who}</td>
                                <td>{entry.action}</td>
                                <td>{entry.detail}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })))}
        </Suspense>
    }
}
